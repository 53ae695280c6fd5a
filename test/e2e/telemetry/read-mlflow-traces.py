"""Prints the traces of one MLflow experiment as JSON, read through MLflow's
own tracing API (MlflowClient.search_traces), so the tests assert what a user
would see in MLflow: each trace's spans with ids, parents, times, attributes
and events.

usage: read-mlflow-traces.py TRACKING_URI EXPERIMENT_ID
"""

import json
import sys

from mlflow import MlflowClient


def span_json(span):
    return {
        "name": span.name,
        "span_id": span.span_id,
        "parent_id": span.parent_id,
        "trace_id": span.trace_id,
        "span_type": span.span_type,
        "status": str(span.status.status_code),
        "start_time_ns": span.start_time_ns,
        "end_time_ns": span.end_time_ns,
        "attributes": span.attributes,
        "events": [{"name": e.name, "attributes": e.attributes} for e in span.events],
    }


def main():
    uri, experiment_id = sys.argv[1], sys.argv[2]
    client = MlflowClient(tracking_uri=uri)
    traces = client.search_traces(locations=[experiment_id], max_results=500)
    out = []
    for t in traces:
        info = t.info
        out.append(
            {
                "trace_id": info.trace_id,
                "state": str(info.state),
                "token_usage": info.token_usage,
                "spans": [span_json(s) for s in t.data.spans],
            }
        )
    json.dump(out, sys.stdout, default=str)


if __name__ == "__main__":
    main()
