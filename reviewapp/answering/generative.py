"""Optional generative answers (issue 16): an OpenAI-compatible chat endpoint writes the
answer from the retrieved passages only, citing them as [1], [2] ...; the app resolves each
bracket to its passage (document, page). An answer whose brackets do not all resolve, that
cites nothing, or that says NOT_FOUND is refused (:class:`GenerationRefused`), and so is
an endpoint off this machine unless remote endpoints are allowed; the caller then shows
the extractive answer with a notice. Uses only the standard library (urllib).
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import urlparse

from .contract import Answer, Citation

NOT_FOUND = "NOT_FOUND"
MAX_PASSAGES = 6
_BRACKET = re.compile(r"\[(\d{1,2})\]")
SYSTEM = (
    "You answer questions about a city's certification evidence using ONLY the numbered "
    "passages given. Answer in the question's language, in one to three sentences, and put "
    "the number of the passage you used in brackets after each sentence, e.g. [1]. If the "
    f"passages do not answer the question, reply exactly {NOT_FOUND}."
)


class GenerationRefused(Exception):
    """Why no generative answer is shown (English; the UI shows it as a notice)."""


def is_loopback(url: str) -> bool:
    """Whether ``url``'s host is this machine (127.0.0.0/8, ::1, localhost)."""
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(
                ipaddress.ip_address(a[4][0]).is_loopback for a in socket.getaddrinfo(host, None)
            )
        except OSError:
            return False


def endpoint(url: str) -> str:
    """The chat completions address: ``url`` itself when it names it, else ``url`` +
    ``/chat/completions`` (``http://127.0.0.1:8080/v1`` -> ``.../v1/chat/completions``)."""
    url = url.rstrip("/")
    return url if url.endswith("/chat/completions") else f"{url}/chat/completions"


def _prompt(question: str, sources: Sequence[Citation]) -> str:
    lines = [f"[{i}] ({c.document}, p. {c.page}) {c.passage}" for i, c in enumerate(sources, 1)]
    return "Passages:\n" + "\n\n".join(lines) + f"\n\nQuestion: {question}"


def generate(
    question: str,
    sources: Sequence[Citation],
    *,
    url: str,
    model: str,
    timeout: float = 30.0,
    allow_remote: bool = False,
) -> Answer:
    """The generative :class:`Answer` written from ``sources`` (the retrieved passages, each a
    citation); its citations are the passages its brackets name, in order of first use.
    Raises GenerationRefused: a remote endpoint not allowed, a timeout or HTTP error, a
    reply without citations, with a bracket naming no passage, or NOT_FOUND."""
    if not allow_remote and not is_loopback(url):
        raise GenerationRefused(f"refused a non-loopback LLM endpoint {urlparse(url).hostname}")
    sources = list(sources)[:MAX_PASSAGES]
    if not sources:
        raise GenerationRefused("no passage to answer from")
    body = json.dumps(
        {
            "model": model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": _prompt(question, sources)},
            ],
        }
    ).encode("utf-8")
    request = urllib.request.Request(
        endpoint(url), data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - checked above
            reply = json.loads(response.read().decode("utf-8"))
        text = str(reply["choices"][0]["message"]["content"]).strip()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise GenerationRefused(f"the LLM endpoint failed: {exc}") from exc
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise GenerationRefused(
            f"the LLM endpoint's reply is not a chat completion: {exc}"
        ) from exc
    if not text or NOT_FOUND in text:
        raise GenerationRefused("the model found no answer in the passages")
    numbers = [int(n) for n in _BRACKET.findall(text)]
    if not numbers:
        raise GenerationRefused("the model's answer cites no passage")
    if any(not 1 <= n <= len(sources) for n in numbers):
        raise GenerationRefused("the model's answer cites a passage it was not given")
    cited = list(dict.fromkeys(numbers))
    citations = [replace(sources[n - 1]) for n in cited]
    return Answer(question, question, text, True, mode="generative", citations=citations)
