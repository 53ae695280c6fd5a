"""The conversation every client runs, and the protocol with the matrix suite.

The suite starts one process per client with a plan (JSON on stdin):
{"openai_base_url", "anthropic_base_url", "cells": [{"id", "model", "stream", "city", "follow_cities", "marker"}]}.
For each cell the client runs two turns against endpoint `model` through the
gateway: "What is the weather in <city>?" (the fake provider asks for
get_weather, the framework runs the Python tool, the provider answers with
the tool's result) and, in the same conversation, a follow-up asking for two
more cities at once (two tool calls in one turn). One line per
cell goes to stdout: RESULT_PREFIX + JSON {"id", "tool_calls", "answers",
"error"?}. Frameworks may print to stdout too; the prefix keeps lines apart.
"""

import asyncio
import json
import sys
import time
import traceback

RESULT_PREFIX = "@@cell "
TOOL_DESCRIPTION = "Get the current weather for a city."


def first_question(cell):
    return f"What is the weather in {cell['city']}? [{cell['marker']}]"


def follow_up(cell):
    a, b = cell["follow_cities"]
    return f"Thanks. And the weather in {a} and {b}? [{cell['marker']}]"


def weather_report(city):
    """What the tool returns: the suite looks for it in the final answer."""
    return f"{city}: sunny, 21 C"


class ToolLog:
    """Records every call of the Python tool (the arguments the model chose)."""

    def __init__(self):
        self.calls = []

    def get_weather(self, city):
        self.calls.append({"city": city})
        return weather_report(city)


def read_plan():
    return json.loads(sys.stdin.readline())


def emit(result):
    sys.stdout.write(RESULT_PREFIX + json.dumps(result) + "\n")
    sys.stdout.flush()


def run_cells(plan, run_cell):
    """run_cell(cell, log) -> [answer1, answer2] (may be a coroutine). Each cell is independent."""
    for cell in plan["cells"]:
        log = ToolLog()
        started = time.monotonic()
        result = {"id": cell["id"], "tool_calls": log.calls, "answers": []}
        try:
            answers = run_cell(cell, log)
            if asyncio.iscoroutine(answers):
                answers = asyncio.run(answers)
            result["answers"] = [a if isinstance(a, str) else json.dumps(a) for a in answers]
        except Exception as err:  # the cell fails, the next one still runs
            result["error"] = f"{type(err).__name__}: {err}"[:2000]
            result["trace"] = traceback.format_exc()[-3000:]
        result["seconds"] = round(time.monotonic() - started, 3)
        emit(result)
