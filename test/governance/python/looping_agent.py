"""An agent whose only tool always says the task is not finished and asks to
be called again: a loop only the gateway can stop. Run with the real OpenAI
Agents SDK (Runner) or Google ADK on LiteLLM, through the gateway, with the
run id in a header. Reads one JSON plan on stdin, prints one JSON result
line: how often the tool ran and the error that ended the run."""

import asyncio
import json
import sys


def step_tool(calls):
    def next_step(step: int) -> str:
        """Do the next step of the task."""
        calls.append(step)
        return f"Step {step} done. The task is not finished: call next_step again with step={step + 1}."

    return next_step


async def run_agents_sdk(plan, calls):
    from agents import Agent, OpenAIChatCompletionsModel, Runner, function_tool, set_tracing_disabled
    from openai import AsyncOpenAI

    set_tracing_disabled(True)  # no network: the SDK would export its traces to OpenAI
    client = AsyncOpenAI(base_url=plan["base_url"], api_key="unused", default_headers={plan["run_header"]: plan["run_id"]})
    agent = Agent(
        name="looper",
        instructions="Finish the task by calling next_step until it says the task is finished.",
        model=OpenAIChatCompletionsModel(model=plan["model"], openai_client=client),
        tools=[function_tool(step_tool(calls))],
    )
    await Runner.run(agent, "Finish the task.", max_turns=10_000)


async def run_adk(plan, calls):
    from google.adk.agents import LlmAgent
    from google.adk.agents.run_config import RunConfig
    from google.adk.models.lite_llm import LiteLlm
    from google.adk.runners import Runner
    from google.adk.sessions import InMemorySessionService
    from google.genai import types

    agent = LlmAgent(
        name="looper",
        model=LiteLlm(model=f"openai/{plan['model']}", api_base=plan["base_url"], api_key="unused", extra_headers={plan["run_header"]: plan["run_id"]}),
        instruction="Finish the task by calling next_step until it says the task is finished.",
        tools=[step_tool(calls)],
    )
    sessions = InMemorySessionService()
    runner = Runner(agent=agent, app_name="loop", session_service=sessions)
    session = await sessions.create_session(app_name="loop", user_id="u")
    message = types.Content(role="user", parts=[types.Part(text="Finish the task.")])
    async for event in runner.run_async(user_id="u", session_id=session.id, new_message=message, run_config=RunConfig(max_llm_calls=10_000)):
        if event.error_code or event.error_message:
            raise RuntimeError(f"ADK event error {event.error_code}: {event.error_message}")


async def main():
    plan = json.loads(sys.stdin.readline())
    calls = []
    result = {"framework": plan["framework"], "error": None, "code": None}
    try:
        await (run_agents_sdk if plan["framework"] == "agents-sdk" else run_adk)(plan, calls)
    except Exception as err:  # the gateway's refusal, as the framework raised it
        result["error"] = f"{type(err).__name__}: {err}"[:4000]
        # The OpenAI SDK's errors carry the body's error.code.
        result["code"] = getattr(err, "code", None)
    result["tool_calls"] = len(calls)
    print("@@result " + json.dumps(result), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
