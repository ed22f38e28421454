"""Reading an import file: a refused file leaves no noise behind when its stream is closed first."""

from __future__ import annotations

import gc
import io
import sys

import pytest

from domain.imports.reader import ImportFileRefused, open_rows


def test_a_refused_header_then_a_closed_file_raises_nothing_when_the_reader_is_finalised() -> None:
    unraisable: list[object] = []
    hook, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        data = b"a,b\n1,2\n"
        stream = io.BytesIO(data)
        _, rows = open_rows(stream, size=len(data), max_bytes=1024)
        with pytest.raises(ImportFileRefused) as refused:
            next(rows)
        stream.close()  # the command closes its file before the generators are collected
        del rows, refused
        gc.collect()
    finally:
        sys.unraisablehook = hook
    assert unraisable == []
