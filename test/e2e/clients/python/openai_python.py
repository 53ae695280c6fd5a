"""The official `openai` Python SDK: chat.completions with tools, whole or
streamed (tool-call deltas assembled by index), the tool loop by hand."""

import json
import sys

from openai import OpenAI

from conversation import TOOL_DESCRIPTION, first_question, follow_up, run_cells, read_plan

MAX_STEPS = 4
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": TOOL_DESCRIPTION,
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False},
        },
    }
]


def step(client, cell, messages):
    if not cell["stream"]:
        message = client.chat.completions.create(model=cell["model"], messages=messages, tools=TOOLS).choices[0].message
        return message.model_dump(exclude_none=True)
    content, calls = "", {}
    for chunk in client.chat.completions.create(model=cell["model"], messages=messages, tools=TOOLS, stream=True):
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        content += delta.content or ""
        for tc in delta.tool_calls or []:
            call = calls.setdefault(tc.index, {"id": "", "type": "function", "function": {"name": "", "arguments": ""}})
            call["id"] = tc.id or call["id"]
            if tc.function and tc.function.name:
                call["function"]["name"] += tc.function.name
            if tc.function and tc.function.arguments:
                call["function"]["arguments"] += tc.function.arguments
    message = {"role": "assistant", "content": content or None}
    if calls:
        message["tool_calls"] = [calls[i] for i in sorted(calls)]
    return message


def turn(client, cell, messages, log):
    for _ in range(MAX_STEPS):
        message = step(client, cell, messages)
        messages.append(message)
        if not message.get("tool_calls"):
            return message.get("content") or ""
        for call in message["tool_calls"]:
            args = json.loads(call["function"]["arguments"])
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": log.get_weather(args["city"])})
    raise RuntimeError(f"no final answer after {MAX_STEPS} steps")


def run_cell(cell, log, base_url):
    client = OpenAI(base_url=base_url, api_key="unused")
    messages = [{"role": "user", "content": first_question(cell)}]
    first = turn(client, cell, messages, log)
    messages.append({"role": "user", "content": follow_up(cell)})
    return [first, turn(client, cell, messages, log)]


if __name__ == "__main__":
    plan = read_plan()
    run_cells(plan, lambda cell, log: run_cell(cell, log, plan["openai_base_url"]))
