"""Google ADK: an LlmAgent with a Python function tool on LiteLLM's connector,
the way ADK users reach an OpenAI-compatible gateway, run by ADK's Runner with
an in-memory session (StreamingMode.NONE or SSE)."""

import asyncio
import sys

from google.adk.agents import LlmAgent
from google.adk.agents.run_config import RunConfig, StreamingMode
from google.adk.models.lite_llm import LiteLlm
from google.adk.runners import Runner
from google.adk.sessions import InMemorySessionService
from google.genai import types

from conversation import TOOL_DESCRIPTION, ToolLog, emit, first_question, follow_up, run_cells, read_plan


def make_agent(model, base_url, log):
    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        return log.get_weather(city)

    assert get_weather.__doc__ == TOOL_DESCRIPTION
    return LlmAgent(
        name="weather_agent",
        model=LiteLlm(model=f"openai/{model}", api_base=base_url, api_key="unused"),
        instruction="Answer weather questions with the get_weather tool.",
        tools=[get_weather],
    )


class Conversation:
    """One agent, one session: turns share the history ADK keeps."""

    def __init__(self, agent, stream):
        self.sessions = InMemorySessionService()
        self.runner = Runner(agent=agent, app_name="matrix", session_service=self.sessions)
        self.config = RunConfig(streaming_mode=StreamingMode.SSE if stream else StreamingMode.NONE)
        self.session_id = None

    async def say(self, text):
        if self.session_id is None:
            session = await self.sessions.create_session(app_name="matrix", user_id="matrix-user")
            self.session_id = session.id
        message = types.Content(role="user", parts=[types.Part(text=text)])
        final = []
        async for event in self.runner.run_async(user_id="matrix-user", session_id=self.session_id, new_message=message, run_config=self.config):
            if event.error_code or event.error_message:
                raise RuntimeError(f"ADK event error {event.error_code}: {event.error_message}")
            # SSE mode yields partial events, then the aggregated one; keep whole events only.
            if event.partial or not event.content or not event.content.parts:
                continue
            text = "".join(p.text for p in event.content.parts if p.text)
            if text and event.is_final_response():
                final.append(text)
        if not final:
            raise RuntimeError("the agent gave no final text")
        return final[-1]


async def run_cell(cell, log, base_url):
    conversation = Conversation(make_agent(cell["model"], base_url, log), cell["stream"])
    return [await conversation.say(first_question(cell)), await conversation.say(follow_up(cell))]


async def run_switch(plan):
    """Same agent, same session: a turn, then (after the suite switched the endpoint's provider) the follow-up."""
    for cell in plan["cells"]:
        log = ToolLog()
        conversation = Conversation(make_agent(cell["model"], plan["openai_base_url"], log), cell["stream"])
        answers = []
        for phase in ("before-switch", "after-switch"):
            result = {"id": cell["id"], "phase": phase, "tool_calls": log.calls, "answers": answers}
            try:
                if phase == "before-switch":
                    answers.append(await conversation.say(first_question(cell)))
                else:
                    sys.stdin.readline()  # the suite switched the destination
                    answers.append(await conversation.say(follow_up(cell)))
            except Exception as err:
                result["error"] = f"{type(err).__name__}: {err}"[:2000]
            emit(result)
            if "error" in result:
                return


if __name__ == "__main__":
    plan = read_plan()
    if plan.get("switch"):
        asyncio.run(run_switch(plan))
    else:
        run_cells(plan, lambda cell, log: run_cell(cell, log, plan["openai_base_url"]))
