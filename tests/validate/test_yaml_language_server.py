"""The YAML language server an editor runs (Red Hat's yaml-language-server, the one VS Code's YAML extension
starts) gives the same verdict as `rewards validate` and check-jsonschema on every YAML 1.1 word, wherever it
stands, with our schemas: started for real with Debian's node, spoken to over stdio as an editor speaks to it.

The words, the places and the verdicts of the other two tools are test_yaml_versions.py's: this test adds the
third tool to the same table. One server process reads every case, each case a document of its own.
"""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.validate import test_yaml_versions as yaml_versions
from tests.validate.test_yaml_versions import CASES, SCHEMAS, expected_valid

verdicts = yaml_versions.verdicts  # the other two tools' verdicts: the fixture, in this module too (other_tools)

NODE = shutil.which("node")
if NODE is None:
    pytest.skip("node is not installed (make test installs Debian's npm, which brings it)", allow_module_level=True)
SERVER = REPO / "tools/editor/node_modules/yaml-language-server/bin/yaml-language-server"
FIXTURES = REPO / "tests/fixtures/mini/content"
TIMEOUT = 60.0
Verdicts = dict[tuple[str, str], tuple[bool, list[str]]]  # (word, place) -> (refused on its line, the messages there)

# What an editor user would have set, written out so that no default decides the verdict.
YAML_SETTINGS: dict[str, Any] = {
    # Validation on, as in VS Code (the default, but it is the thing under test).
    "validate": True,
    # YAML 1.2, the server's and VS Code's default, and what check-jsonschema reads (docs/workflow.md). With "1.1"
    # the server reads `yes` as true and accepts `byol: yes`, which no schema can refuse.
    "yamlVersion": "1.2",
    # No schemas from the Schema Store catalog: it is fetched from the network (not reachable here), and one of
    # its patterns must not decide which schema our files get; ours are the only ones.
    "schemaStore": {"enable": False},
    "kubernetesCRDStore": {"enable": False},
    # The cases (copies of the fixture partner, which has no modeline) get the partner schema by this mapping;
    # the example content's files name theirs with their `# yaml-language-server: $schema=` line.
    "schemas": {(SCHEMAS / "partner.schema.json").as_uri(): ["**/cases/*.yml"]},
}


class LanguageServer:
    """yaml-language-server --stdio, spoken to with JSON-RPC in Content-Length frames."""

    def __init__(self, folder: Path) -> None:
        assert NODE is not None
        assert SERVER.is_file(), f"{SERVER} is missing: make test installs it (npm ci in tools/editor)"
        self.folder = folder
        self.log = folder / "server.log"  # a file, not a pipe: a pipe nobody reads can fill and stop the server
        with self.log.open("wb") as log:
            self.process = subprocess.Popen([NODE, str(SERVER), "--stdio"], cwd=folder, stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=log)
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.next_id = 0
        self.configuration_pulls = 0
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while (line := stream.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if not line or length is None:
                self.messages.put(None)  # the server closed its output
                return
            self.messages.put(json.loads(stream.read(length)))

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        self._send({"id": self.next_id, "method": method, "params": params})
        answer = self.wait(lambda m: m.get("id") == self.next_id and "method" not in m)
        assert "error" not in answer, answer
        return answer.get("result")

    def wait(self, done: Callable[[dict[str, Any]], bool], timeout: float = TIMEOUT) -> dict[str, Any]:
        """Handle what the server sends until a message for which done(message) holds, and return it."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"the language server said nothing for {timeout} s")
            if message is None:
                pytest.fail(f"the language server stopped: {self.stderr()}")
            self._handle(message)
            if done(message):
                return message

    def _handle(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        if method == "textDocument/publishDiagnostics":
            self.diagnostics[message["params"]["uri"]] = message["params"]["diagnostics"]
        if method is None or "id" not in message:
            return
        result: Any = None  # client/registerCapability, window/workDoneProgress/create ...: accepted
        if method == "workspace/configuration":
            self.configuration_pulls += 1
            result = [YAML_SETTINGS if item.get("section") == "yaml" else {} for item in message["params"]["items"]]
        self._send({"id": message["id"], "result": result})

    def stderr(self) -> str:
        self.process.kill()
        self.process.wait()
        return self.log.read_text(encoding="utf-8", errors="replace")

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", {})
            self.process.wait(timeout=10)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


def errors_by_line(server: LanguageServer, documents: dict[str, str],
                   schema: Path | dict[str, Path] | None = None) -> dict[str, dict[int, list[str]]]:
    """Open the documents (path -> text) and return, per path, the lines (0-based) the server marks as errors,
    each with its messages; with schema (one, or per path), first check that the server validates with it."""
    uris = {path: Path(path).as_uri() for path in documents}
    for path, text in documents.items():
        server.diagnostics.pop(uris[path], None)
        server.notify("textDocument/didOpen", {"textDocument": {"uri": uris[path], "languageId": "yaml",
                                                               "version": 1, "text": text}})
    server.wait(lambda _: all(uri in server.diagnostics for uri in uris.values()))
    found: dict[str, dict[int, list[str]]] = {}
    for path, uri in uris.items():
        lines: dict[int, list[str]] = {}
        for diagnostic in server.diagnostics[uri]:
            # Errors only (severity 1): this server reports every schema and syntax problem as one.
            if diagnostic.get("severity", 1) == 1:
                for line in range(diagnostic["range"]["start"]["line"], diagnostic["range"]["end"]["line"] + 1):
                    lines.setdefault(line, []).append(diagnostic["message"])
        found[path] = lines
        if schema is not None:
            used = server.request("yaml/get/jsonSchema", uri)
            wanted = schema[path] if isinstance(schema, dict) else schema
            assert [s["uri"] for s in used] == [wanted.as_uri()], (path, used)
        server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LanguageServer]:
    folder = tmp_path_factory.mktemp("yaml-language-server")
    server = LanguageServer(folder)
    try:
        answer = server.request("initialize", {
            "processId": None, "rootUri": folder.as_uri(), "workspaceFolders": None,
            "capabilities": {"workspace": {"configuration": True, "didChangeConfiguration": {}},
                             "textDocument": {"publishDiagnostics": {}}}})
        assert answer["serverInfo"]["name"] == "yaml-language-server"
        server.notify("initialized", {})
        server.notify("workspace/didChangeConfiguration", {"settings": {"yaml": YAML_SETTINGS}})
        # The server pulls its settings once when initialized and once on the change; once both are answered, a
        # request's round trip means they are applied before any document opens.
        server.wait(lambda _: server.configuration_pulls >= 2)
        server.request("yaml/get/all/jsonSchemas", "file:///nothing.yml")
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def editor_verdicts(server: LanguageServer) -> Verdicts:
    """(word, place) -> (the language server refuses the word on its line, its messages on that line)."""
    folder = server.folder
    original = (FIXTURES / "partners/acme.yml").read_text(encoding="utf-8")
    documents = {str(folder / "cases/unchanged.yml"): original}
    lines = {}
    for index, (word, (place, old, new)) in enumerate(CASES):
        lines[word, place] = original.count("\n", 0, original.index(old))
        documents[str(folder / f"cases/case{index}.yml")] = original.replace(old, new.format(word), 1)
    found = errors_by_line(server, documents, schema=SCHEMAS / "partner.schema.json")
    assert found.pop(str(folder / "cases/unchanged.yml")) == {}, "the fixture itself must be valid"
    editor: Verdicts = {}
    for (word, (place, _, _)), errors in zip(CASES, found.values(), strict=True):
        line = lines[word, place]
        assert set(errors) <= {line}, (word, place, errors)  # nothing else in the file is refused
        editor[word, place] = (line in errors, errors.get(line, []))
    return editor


@pytest.fixture(scope="module")
def other_tools(request: pytest.FixtureRequest) -> dict[tuple[str, str], tuple[bool, bool, list[str]]]:
    """(word, place) -> (rewards validate refuses, check-jsonschema refuses, our messages): test_yaml_versions.py's."""
    result: dict[tuple[str, str], tuple[bool, bool, list[str]]] = request.getfixturevalue("verdicts")
    return result


def test_the_server_validates_with_our_schema(server: LanguageServer) -> None:
    """A valid verdict means something: the partner schema is the one used, its references to common.schema.json
    resolved (a language tag), and an error lands on its line."""
    path = str(server.folder / "cases/check.yml")
    text = (FIXTURES / "partners/acme.yml").read_text(encoding="utf-8")
    text = text.replace('mpn_id: "1234567"', 'mpn_id: "12"').replace("language: en", "language: english")
    assert set(errors_by_line(server, {path: text}, schema=SCHEMAS / "partner.schema.json")[path]) == {2, 22}


def test_the_example_content_names_its_schema(server: LanguageServer) -> None:
    """A partner file of the example content, opened where it is, gets the partner schema from its modeline (a
    path relative to the file) with no mapping: valid as it is, and `byol: yes` is refused on its line."""
    path = REPO / "content/partners/trey-list-only.yml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../rewards_build/schemas/partner.schema.json\n")
    line = text.splitlines().index("    byol: true")
    documents = {str(path): text, str(path.with_name("trey-byol-yes.yml")): text.replace("byol: true", "byol: yes")}
    found = errors_by_line(server, documents, schema=SCHEMAS / "partner.schema.json")
    assert found == {str(path): {}, str(path.with_name("trey-byol-yes.yml")): {line: ['Incorrect type. Expected "boolean".']}}


@pytest.mark.parametrize(("word", "place"), [(w, p[0]) for w, p in CASES], ids=[f"{w}-as-{p[0]}" for w, p in CASES])
def test_the_language_server_agrees(other_tools: dict[tuple[str, str], tuple[bool, bool, list[str]]],
                                    editor_verdicts: Verdicts, word: str, place: str) -> None:
    ours, check_jsonschema, messages = other_tools[word, place]
    editor, editor_messages = editor_verdicts[word, place]
    if word in ("0755", "010") and place == "integer":
        # As for check-jsonschema (test_yaml_versions.py): YAML 1.2 reads a whole number, 755 or 10, which the
        # schema cannot tell from a number written plainly; only `rewards validate` refuses it.
        assert ours and not check_jsonschema and not editor, editor_messages
        return
    assert editor == ours == check_jsonschema == (not expected_valid(word, place)), (messages, editor_messages)


def test_yes_for_a_boolean_and_no_for_a_language(editor_verdicts: Verdicts) -> None:
    """The issue's examples, `byol: yes` (here listing_optimization_done, a boolean like byol) and `language: no`,
    refused with the schema's reason."""
    assert editor_verdicts["yes", "boolean"] == (True, ['Incorrect type. Expected "boolean".'])
    refused, messages = editor_verdicts["no", "language"]
    assert refused and messages and all("pattern" in m or "match" in m.lower() for m in messages), messages


def test_tip_and_toolkit_front_matter(server: LanguageServer) -> None:
    """An editor can use the tip and toolkit schemas: the front matter of an example tip and toolkit page, with its
    `$schema` line, copied into a scratch .yml file beside it (as docs/workflow.md says), is valid, and a YAML 1.1
    word in it is refused on its line."""
    documents, schemas, expected = {}, {}, {}
    for kind, name, schema, word_line in (("tips", "ask-for-reviews.md", "tip", "getting_started: yes"),
                                          ("toolkit", "community-and-learning.md", "toolkit", "title: off")):
        front = (REPO / "content" / kind / name).read_text(encoding="utf-8").split("---\n")[1]
        lines = front.splitlines(keepends=True)
        assert lines[0] == f"# yaml-language-server: $schema=../../rewards_build/schemas/{schema}.schema.json\n"
        key = word_line.split(":")[0] + ":"
        at = next((n for n, line in enumerate(lines) if line.startswith(key)), len(lines))
        with_word = "".join([*lines[:at], word_line + "\n", *lines[at + (at < len(lines)):]])
        for variant, text, refused in (("valid", front, set()), ("word", with_word, {at})):
            path = str(REPO / "content" / kind / f"{variant}.scratch.yml")
            documents[path], schemas[path], expected[path] = text, SCHEMAS / f"{schema}.schema.json", refused
    found = errors_by_line(server, documents, schema=schemas)
    assert {path: set(lines) for path, lines in found.items()} == expected, found
