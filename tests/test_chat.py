"""`rag chat` driven through stdin: a question, a follow-up, /sources, /help, /quit; and Ctrl-D."""

from __future__ import annotations

import os
import subprocess
import sys


def _chat(seeds_index, lines: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAG_INDEX": str(seeds_index.path), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "rag", "chat"], input=lines, capture_output=True, text=True, timeout=180, env=env
    )


def test_chat_session_with_follow_up_sources_and_quit(seeds_index):
    done = _chat(
        seeds_index,
        "Which company is pulling back from facial recognition analysis?\n"
        "and who reported it?\n/sources\n/help\n/quit\nthis line is never read\n",
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    first, rest = out.split("and who reported it?", 1)
    assert "Microsoft" in first and "[1]" in first
    follow_up, sources = rest.split("/sources", 1)
    assert "Computerworld" in follow_up  # the follow-up was answered about the same story
    assert "Microsoft is backing off its support" in sources  # the cited passage, in full
    assert "/quit" in sources and out.rstrip().endswith("bye")
    assert "never read" not in out.split("you> /quit")[-1]


def test_chat_ends_cleanly_at_end_of_input(seeds_index):
    done = _chat(seeds_index, "/sources\nWhat is the melting point of lead?\n")
    assert done.returncode == 0, done.stderr
    assert "No answer yet" in done.stdout
    assert "does not answer" in done.stdout
    assert done.stdout.rstrip().endswith("bye") and "Traceback" not in done.stderr
