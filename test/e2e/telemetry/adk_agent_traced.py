"""The seed's use case: a Google ADK agent, traced into MLflow with
OpenTelemetry (as MLflow's ADK integration page sets it up: an OTLP exporter
to MLflow's /v1/traces with the experiment id header, installed as the global
tracer provider before ADK runs), calling the gateway through LiteLLM.

LiteLLM (1.80.0) sends no traceparent by itself from the SDK (its
`forward_traceparent_to_llm_provider` is a proxy-server setting); the
supported way is OpenTelemetry's HTTP client instrumentation, which starts a
client span under ADK's model-call span and injects its traceparent. LiteLLM
calls OpenAI-compatible servers through the OpenAI SDK on httpx with an
aiohttp transport, so both instrumentations are installed.

usage: adk_agent_traced.py GATEWAY_OPENAI_BASE_URL ENDPOINT MLFLOW_URL EXPERIMENT_ID
Prints {"trace_id", "answer", "tool_calls"} as JSON.
"""

import asyncio
import faulthandler
import json
import os
import sys

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor


def main():
    # A run that hangs says where before the test gives up on it.
    faulthandler.dump_traceback_later(240, exit=True)
    base_url, endpoint, mlflow_url, experiment_id = sys.argv[1:5]
    provider = TracerProvider(resource=Resource.create({"service.name": "weather-agent"}))
    provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{mlflow_url}/v1/traces", headers={"x-mlflow-experiment-id": experiment_id}))
    )
    trace.set_tracer_provider(provider)
    HTTPXClientInstrumentor().instrument()
    AioHttpClientInstrumentor().instrument()

    # ADK after the tracer provider, as the integration guide says.
    from google.adk.agents import LlmAgent
    from google.adk.models.lite_llm import LiteLlm
    from google.adk.runners import Runner
    from google.adk.sessions import InMemorySessionService
    from google.genai import types

    tool_calls = []

    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        tool_calls.append(city)
        return f"sunny, 21 C in {city}"

    agent = LlmAgent(
        name="weather_agent",
        model=LiteLlm(model=f"openai/{endpoint}", api_base=base_url, api_key=os.environ.get("AGENT_API_KEY", "unused")),
        instruction="Answer weather questions with the get_weather tool.",
        tools=[get_weather],
    )

    async def run():
        sessions = InMemorySessionService()
        runner = Runner(agent=agent, app_name="otel", session_service=sessions)
        session = await sessions.create_session(app_name="otel", user_id="otel-user")
        tracer = trace.get_tracer("weather-agent")
        # One root span for the agent's turn, so the test knows the trace id.
        with tracer.start_as_current_span("agent turn") as root:
            final = ""
            message = types.Content(role="user", parts=[types.Part(text="What is the weather in Paris?")])
            async for event in runner.run_async(user_id="otel-user", session_id=session.id, new_message=message):
                if event.error_code or event.error_message:
                    raise RuntimeError(f"ADK event error {event.error_code}: {event.error_message}")
                if event.is_final_response() and event.content and event.content.parts:
                    final = "".join(p.text for p in event.content.parts if p.text) or final
            return format(root.get_span_context().trace_id, "032x"), final

    trace_id, answer = asyncio.run(run())
    provider.force_flush(30_000)
    provider.shutdown()
    json.dump({"trace_id": trace_id, "answer": answer, "tool_calls": tool_calls}, sys.stdout)


if __name__ == "__main__":
    main()
