"""A second process for the concurrency tests: builds the app from a JSON spec, waits for the
agreed moment, sends its requests and prints the results as JSON.

    python -m tests.trading.racer '{"config": {...}, "start_at": 1764200000.5, "requests": [...]}'
"""

from __future__ import annotations

import json
import sys
import time

from market.app import create_app


def main(spec: dict) -> list[dict]:
    """Send ``spec["requests"]`` through a fresh app once ``start_at`` is reached."""
    app = create_app(spec["config"])
    client = app.test_client()
    results = []
    time.sleep(max(0.0, spec["start_at"] - time.time()))
    for call in spec["requests"]:
        response = client.open(
            call["path"],
            method=call.get("method", "POST"),
            headers=call.get("headers", {}),
            json=call.get("json"),
            data=call.get("data"),
        )
        results.append({"status": response.status_code, "body": response.get_json(silent=True)})
    app.extensions["db"].dispose()
    return results


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
