"""The official `openai` Python SDK's Responses API: responses.create with a
function tool, whole or streamed (events read as the SDK types them), the
tool loop by hand. Each step after the first sends only what is new (the
function_call_output items, then the follow-up question) and continues the
conversation with previous_response_id: the gateway keeps the rest."""

import json

from openai import OpenAI

from conversation import TOOL_DESCRIPTION, first_question, follow_up, run_cells, read_plan

MAX_STEPS = 4
TOOLS = [
    {
        "type": "function",
        "name": "get_weather",
        "description": TOOL_DESCRIPTION,
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False},
        "strict": True,
    }
]


def step(client, cell, items, previous):
    args = {"model": cell["model"], "input": items, "tools": TOOLS}
    if previous:
        args["previous_response_id"] = previous
    if not cell["stream"]:
        return client.responses.create(**args)
    completed, kinds = None, []
    with client.responses.stream(**args) as stream:
        for event in stream:
            kinds.append(event.type)
            if event.type == "response.completed":
                completed = event.response
    if completed is None or "response.created" not in kinds:
        raise RuntimeError(f"the stream ended without response.completed: {kinds[-5:]}")
    return completed


def turn(client, cell, items, previous, log):
    for _ in range(MAX_STEPS):
        response = step(client, cell, items, previous)
        previous = response.id
        calls = [item for item in response.output if item.type == "function_call"]
        if not calls:
            return response.output_text, previous
        items = [
            {"type": "function_call_output", "call_id": call.call_id, "output": log.get_weather(json.loads(call.arguments)["city"])} for call in calls
        ]
    raise RuntimeError(f"no final answer after {MAX_STEPS} steps")


def run_cell(cell, log, base_url):
    client = OpenAI(base_url=base_url, api_key="unused")
    first, previous = turn(client, cell, [{"role": "user", "content": first_question(cell)}], None, log)
    second, _ = turn(client, cell, [{"role": "user", "content": follow_up(cell)}], previous, log)
    return [first, second]


if __name__ == "__main__":
    plan = read_plan()
    run_cells(plan, lambda cell, log: run_cell(cell, log, plan["openai_base_url"]))
