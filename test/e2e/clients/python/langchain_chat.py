"""LangChain: ChatOpenAI(...).bind_tools([...]) with `invoke` or `stream`,
the tool run by hand and its ToolMessage sent back, as LangChain's tool-calling
guide shows."""

from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

from conversation import first_question, follow_up, run_cells, read_plan

MAX_STEPS = 4


def run_cell(cell, log, base_url):
    @tool
    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        return log.get_weather(city)

    llm = ChatOpenAI(model=cell["model"], base_url=base_url, api_key="unused").bind_tools([get_weather])

    def ask(messages):
        if not cell["stream"]:
            return llm.invoke(messages)
        message = None
        for chunk in llm.stream(messages):
            message = chunk if message is None else message + chunk
        return message

    def turn(messages):
        for _ in range(MAX_STEPS):
            reply = ask(messages)
            messages.append(reply)
            if not reply.tool_calls:
                return reply.text if isinstance(reply.text, str) else reply.text()
            for call in reply.tool_calls:
                messages.append(ToolMessage(content=get_weather.invoke(call["args"]), tool_call_id=call["id"]))
        raise RuntimeError(f"no final answer after {MAX_STEPS} steps")

    messages = [HumanMessage(first_question(cell))]
    first = turn(messages)
    messages.append(HumanMessage(follow_up(cell)))
    return [first, turn(messages)]


if __name__ == "__main__":
    plan = read_plan()
    run_cells(plan, lambda cell, log: run_cell(cell, log, plan["openai_base_url"]))
