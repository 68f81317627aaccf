"""Drives local AWS endpoints with botocore and checks every response against botocore's model.

Reads {"region": ..., "calls": [{"service", "endpoint", "operation", "params"}]} as JSON on stdin
and writes one result per call as JSON on stdout: the parsed output (or error code and message),
the HTTP status, and "problems": every way the raw response departs from the service model
(missing required members, unknown members, wrong types, values outside an enum, a pattern or a
length, timestamps not in the protocol's wire format, undeclared error codes).
"""

import base64
import datetime
import json
import math
import re
import sys

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

# Errors any AWS operation may return besides those the model declares per operation.
COMMON_ERRORS = {
    "ValidationException",
    "ValidationError",
    "ThrottlingException",
    "Throttling",
    "InternalFailure",
    "InternalError",
    "ServiceUnavailable",
    "UnknownOperationException",
    "SerializationException",
    "AccessDeniedException",
    "InvalidParameterValue",
    "MissingParameter",
    "InvalidAction",
}


def java_pattern(pattern):
    # botocore's patterns are Java regexes; \p{L} and the like need the `regex` module, so those
    # are skipped rather than checked wrongly.
    if "\\p{" in pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None


class Walker:
    def __init__(self, wire_json):
        # JSON protocols carry timestamps as epoch seconds; query/XML ones parse them already.
        self.wire_json = wire_json
        self.problems = []

    def problem(self, path, text):
        self.problems.append(f"{path or '(root)'}: {text}")

    def walk(self, shape, value, path):
        kind = shape.type_name
        if kind == "structure":
            if not isinstance(value, dict):
                return self.problem(path, f"expected an object, got {type(value).__name__}")
            for name in shape.required_members:
                if name not in value:
                    self.problem(path, f"required member {name} is missing")
            for name, item in value.items():
                if name in ("ResponseMetadata",) and not self.wire_json:
                    continue
                member = shape.members.get(name)
                if member is None:
                    self.problem(path, f"unknown member {name}")
                    continue
                if item is None:
                    self.problem(f"{path}.{name}".lstrip("."), "null where the model has a value")
                    continue
                self.walk(member, item, f"{path}.{name}".lstrip("."))
        elif kind == "list":
            if not isinstance(value, list):
                return self.problem(path, f"expected a list, got {type(value).__name__}")
            self.bounds(shape, len(value), path, "length")
            for index, item in enumerate(value):
                self.walk(shape.member, item, f"{path}[{index}]")
        elif kind == "map":
            if not isinstance(value, dict):
                return self.problem(path, f"expected a map, got {type(value).__name__}")
            for key, item in value.items():
                self.walk(shape.key, key, f"{path}<key>")
                self.walk(shape.value, item, f"{path}.{key}")
        elif kind == "string":
            if not isinstance(value, str):
                return self.problem(path, f"expected a string, got {type(value).__name__}")
            if shape.enum and value not in shape.enum:
                self.problem(path, f"{value!r} is not one of the enum {shape.name}")
            self.bounds(shape, len(value), path, "length")
            pattern = shape.metadata.get("pattern")
            compiled = java_pattern(pattern) if pattern else None
            if compiled and not compiled.fullmatch(value):
                self.problem(path, f"{value!r} does not match the pattern {pattern}")
        elif kind in ("integer", "long"):
            if isinstance(value, bool) or not isinstance(value, int):
                return self.problem(path, f"expected an integer, got {value!r}")
            self.bounds(shape, value, path, "value")
        elif kind in ("float", "double"):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if isinstance(value, str) and value in ("NaN", "Infinity", "-Infinity"):
                ok = self.wire_json
            if not ok:
                self.problem(path, f"expected a number, got {value!r}")
        elif kind == "boolean":
            if not isinstance(value, bool):
                self.problem(path, f"expected a boolean, got {value!r}")
        elif kind == "timestamp":
            if self.wire_json:
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    self.problem(path, f"timestamp must be epoch seconds on the wire, got {value!r}")
                elif not math.isfinite(value) or value < 0:
                    self.problem(path, f"timestamp {value!r} is not a time")
            elif not isinstance(value, datetime.datetime):
                self.problem(path, f"expected a timestamp, got {value!r}")
        elif kind == "blob":
            if not isinstance(value, (str, bytes)):
                self.problem(path, f"expected a blob, got {value!r}")

    def bounds(self, shape, size, path, what):
        low = shape.metadata.get("min")
        high = shape.metadata.get("max")
        if low is not None and size < low:
            self.problem(path, f"{what} {size} is below the model's minimum {low}")
        if high is not None and size > high:
            self.problem(path, f"{what} {size} is above the model's maximum {high}")


def plain(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def main():
    request = json.load(sys.stdin)
    session = botocore.session.get_session()
    clients = {}
    results = []
    for call in request["calls"]:
        key = (call["service"], call["endpoint"])
        if key not in clients:
            clients[key] = session.create_client(
                call["service"],
                region_name=request["region"],
                endpoint_url=call["endpoint"],
                config=Config(retries={"max_attempts": 1}, parameter_validation=True),
            )
        client = clients[key]
        model = client.meta.service_model
        operation = model.operation_model(call["operation"])
        captured = {}

        def capture(http_response, **_):
            captured["status"] = http_response.status_code
            captured["body"] = http_response.content

        event = f"after-call.{model.service_id.hyphenize()}.{call['operation']}"
        client.meta.events.register(event, capture)
        result = {"operation": call["operation"], "problems": []}
        try:
            output = client._make_api_call(call["operation"], call.get("params", {}))
            result["output"] = plain(output)
        except ClientError as error:
            result["error"] = {
                "code": error.response["Error"].get("Code"),
                "message": error.response["Error"].get("Message"),
            }
            declared = {shape.error_code for shape in operation.error_shapes}
            if result["error"]["code"] not in declared | COMMON_ERRORS:
                result["problems"].append(
                    f"error code {result['error']['code']} is not declared for {call['operation']}"
                )
        finally:
            client.meta.events.unregister(event, capture)
        result["status"] = captured.get("status")
        wire_json = model.protocol in ("json", "rest-json")
        if "output" in result and operation.output_shape is not None:
            walker = Walker(wire_json)
            if wire_json:
                body = captured.get("body") or b"{}"
                try:
                    raw = json.loads(body)
                except ValueError:
                    raw = None
                    walker.problem("", f"the body is not JSON: {body[:200]!r}")
                if raw is not None:
                    walker.walk(operation.output_shape, raw, "")
            else:
                walker.walk(operation.output_shape, output, "")
            result["problems"].extend(walker.problems)
        results.append(result)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
