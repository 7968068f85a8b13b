#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""cri-client.py - the smallest CRI v1 client: gRPC calls, JSON in, JSON out.

    cri-client.py --address unix:///PATH --stubs DIR [--timeout S] METHOD [REQUEST_JSON]
    cri-client.py --address unix:///PATH --stubs DIR [--timeout S] --serve

METHOD is any method of runtime.v1.RuntimeService or runtime.v1.ImageService
(RunPodSandbox, CreateContainer, ExecSync, ImageStatus...). REQUEST_JSON is the
request message in protobuf's JSON mapping (field names as in api.proto or in
lowerCamelCase; default: {}). The response is printed as JSON on one line, with
api.proto's field names and every field, defaults included; bytes fields
(ExecSync's stdout, stderr) are base64, as the JSON mapping has them. Exit
status: 0 on success; 1 when the call fails, with "CODE: details" on stderr; 2
on a usage error.

--serve answers many calls over one connection, which spares the test a Python
start (grpc's import alone takes a few tenths of a second) per call: each line
"TAG METHOD REQUEST_JSON" on stdin is answered by one line on stdout, "TAG ok
RESPONSE_JSON" or "TAG error CODE: details". TAG is any word, echoed back.

DIR holds api_pb2.py and api_pb2_grpc.py, compiled from the CRI v1 api.proto by
tests/integration/cri-proto.sh. It stands in for crictl in
tests/integration/17-containerd-cri.bats.
"""
import argparse
import sys


class UsageError(Exception):
    pass


def load(stubs):
    sys.path.insert(0, stubs)
    global grpc, json_format, api_pb2, api_pb2_grpc
    import grpc  # python3-grpcio
    from google.protobuf import json_format
    import api_pb2  # generated
    import api_pb2_grpc  # generated


def call(channel, method_name, request_json, timeout):
    """One call: the response as one line of JSON; raises grpc.RpcError, UsageError."""
    for service in ("RuntimeService", "ImageService"):
        desc = api_pb2.DESCRIPTOR.services_by_name[service]
        if method_name in desc.methods_by_name:
            break
    else:
        raise UsageError(f"no method {method_name} in RuntimeService or ImageService")
    method = desc.methods_by_name[method_name]
    request = getattr(api_pb2, method.input_type.name)()
    try:
        json_format.Parse(request_json, request)
    except json_format.ParseError as e:
        raise UsageError(f"{method.input_type.name}: {e}") from None
    stub = getattr(api_pb2_grpc, service + "Stub")(channel)
    response = getattr(stub, method_name)(request, timeout=timeout)
    return json_format.MessageToJson(response, preserving_proto_field_name=True,
                                     including_default_value_fields=True, indent=None)


def serve(channel, timeout):
    for line in sys.stdin:
        parts = line.rstrip("\n").split(" ", 2)
        if len(parts) < 2:
            print(f"{parts[0] if parts else '-'} error INVALID_ARGUMENT: expected TAG METHOD [JSON]",
                  flush=True)
            continue
        tag, method = parts[0], parts[1]
        try:
            answer = "ok " + call(channel, method, parts[2] if len(parts) > 2 else "{}", timeout)
        except grpc.RpcError as e:
            answer = f"error {e.code().name}: {e.details()}"
        except UsageError as e:
            answer = f"error INVALID_ARGUMENT: {e}"
        print(f"{tag} {answer}".replace("\n", " "), flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser(prog="cri-client.py")
    ap.add_argument("--address", required=True, help="gRPC target, e.g. unix:///run/x.sock")
    ap.add_argument("--stubs", required=True, help="directory holding api_pb2*.py")
    ap.add_argument("--timeout", type=float, default=60.0, help="deadline of each call, seconds")
    ap.add_argument("--serve", action="store_true", help="answer calls read from stdin")
    ap.add_argument("method", nargs="?")
    ap.add_argument("request", nargs="?", default="{}")
    args = ap.parse_args()
    if args.serve == (args.method is not None):
        ap.error("give either METHOD [REQUEST_JSON] or --serve")

    load(args.stubs)
    with grpc.insecure_channel(args.address) as channel:
        if args.serve:
            return serve(channel, args.timeout)
        try:
            print(call(channel, args.method, args.request, args.timeout))
        except grpc.RpcError as e:
            print(f"{e.code().name}: {e.details()}", file=sys.stderr)
            return 1
        except UsageError as e:
            print(f"cri-client.py: {e}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
