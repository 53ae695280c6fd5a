"""OpenAI Agents SDK: an Agent with a function_tool, run by Runner (run or
run_streamed). The model is the SDK's Chat Completions model
(OpenAIChatCompletionsModel) or its default Responses-API model
(OpenAIResponsesModel), chosen by the plan's "api"."""

from agents import Agent, OpenAIChatCompletionsModel, OpenAIResponsesModel, Runner, function_tool, set_tracing_disabled
from openai import AsyncOpenAI

from conversation import first_question, follow_up, run_cells, read_plan

# The SDK exports its own traces to OpenAI by default; there is no network here.
set_tracing_disabled(True)


def make_agent(cell, base_url, api, log):
    @function_tool
    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        return log.get_weather(city)

    client = AsyncOpenAI(base_url=base_url, api_key="unused")
    model_class = OpenAIResponsesModel if api == "responses" else OpenAIChatCompletionsModel
    return Agent(
        name="weather_agent",
        instructions="Answer weather questions with the get_weather tool.",
        model=model_class(model=cell["model"], openai_client=client),
        tools=[get_weather],
    )


async def turn(agent, cell, conversation):
    if cell["stream"]:
        result = Runner.run_streamed(agent, conversation)
        async for _ in result.stream_events():
            pass
    else:
        result = await Runner.run(agent, conversation)
    return result


async def run_cell(cell, log, base_url, api):
    agent = make_agent(cell, base_url, api, log)
    first = await turn(agent, cell, first_question(cell))
    history = first.to_input_list() + [{"role": "user", "content": follow_up(cell)}]
    second = await turn(agent, cell, history)
    return [str(first.final_output), str(second.final_output)]


if __name__ == "__main__":
    plan = read_plan()
    run_cells(plan, lambda cell, log: run_cell(cell, log, plan["openai_base_url"], plan.get("api", "chat")))
