"""Benchmark: a 1,000-row roster's forms, batched, against two ways without batching.

    .venv/bin/python bench/forms_batch.py [--rows 1000] [--sample 100] [--full]

(a) each enterprise's DOCX converted through one warm unoserver, one call each, counted
    two ways: (a1) one DOCX per enterprise holding its three forms, and (a2) one DOCX per
    form, the way `zgsz report` writes attachments 1-3 as separate files;
(b) one `soffice --headless --convert-to pdf` run over all the enterprises' DOCX files.
The batch runs twice: warm, on LibreOffices already started (as a service worker runs it,
and as (a) is timed), and cold, their start included (as `zgsz forms` runs alone; most of
that start is unoserver 3.7's fixed five-second wait before it serves).
(a) runs on a sample of the roster (--sample) and is scaled to the full roster, unless
--full: each of its calls costs the same, so scaling is fair. Its unoserver is recycled
every RECYCLE conversions, as a service worker's is (a LibreOffice kept for thousands of
conversions was seen to hang); the restarts and each LibreOffice's slow first conversion
are not counted, which only favours (a).
(b) always runs over every row's DOCX: its one LibreOffice start must be paid once, not
scaled with the rows; where soffice stops early, it is run again on what is left. The
batch always runs on the whole roster. Everything is measured in this run, on this
machine. Before the figures are printed, the output is checked to be the same: for
enterprises spread over the roster, the batch's split PDF holds the same text as (b)'s
PDF, and, within the sample, as (a)'s.
"""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.batch import forms_context, run_forms  # noqa: E402
from service.convert import Converter, start_all  # noqa: E402
from service.render import render_forms_batch  # noqa: E402
from service.roster import read_roster  # noqa: E402
from service.skeleton import load_skeleton  # noqa: E402
from tests.roster_data import HEADERS, enterprise_row, save_roster  # noqa: E402

FORMS = (1, 2, 3)
RECYCLE = 200


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))


def build_roster(folder: Path, rows: int) -> Path:
    return save_roster(folder, [HEADERS, *(enterprise_row(i) for i in range(rows))])


def timed(action):
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def one_by_one(converter: Converter, documents: list[bytes]) -> tuple[float, list[bytes]]:
    """Seconds spent converting, one call a document, and the PDFs.

    A LibreOffice's first conversion is slow (it loads fonts and filters); one made
    before timing, and again after each restart, keeps that out of (a)'s figure.
    """
    seconds, pdfs = 0.0, []
    converter.to_pdf(documents[0], update_index=False)
    for count, document in enumerate(documents, start=1):
        took, pdf = timed(lambda d=document: converter.to_pdf(d, update_index=False))
        seconds += took
        pdfs.append(pdf)
        if count % RECYCLE == 0:
            converter.restart()
            converter.to_pdf(documents[0], update_index=False)
    return seconds, pdfs


def soffice_all(files: list[Path], out: Path) -> tuple[float, int]:
    """Seconds for soffice to convert every file, and how many runs it took.

    soffice was seen to stop after a few hundred files of one run with exit code 0 and
    no message, so the files still without a PDF are given to it again; every run's
    time is counted, as a user scripting soffice would pay it.
    """
    profile = Path(tempfile.mkdtemp(prefix="zgsz-bench-profile-"))
    seconds, runs = 0.0, 0
    missing = files
    while missing:
        took, _ = timed(lambda missing=missing: subprocess.run(
            ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
             "--convert-to", "pdf", "--outdir", str(out), *map(str, missing)],
            check=True, capture_output=True))
        seconds, runs = seconds + took, runs + 1
        left = [f for f in missing if not (out / f"{f.stem}.pdf").exists()]
        if len(left) == len(missing):
            raise SystemExit(f"soffice converted none of {len(left)} files")
        missing = left
    return seconds, runs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--full", action="store_true", help="baselines on every row")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    skeleton = load_skeleton("wujin-2022")
    work = Path(tempfile.mkdtemp(prefix="zgsz-bench-"))
    roster = read_roster(build_roster(work, args.rows), skeleton)
    assert not roster.errors and len(roster.rows) == args.rows
    sample = args.rows if args.full else min(args.sample, args.rows)
    scale = args.rows / sample

    docx_dir = work / "docx"
    docx_dir.mkdir()
    docx_files, form_files = [], []
    for i, row in enumerate(roster.rows):
        context = forms_context(row, skeleton, i)
        path = docx_dir / f"{i:04d}.docx"
        path.write_bytes(render_forms_batch([context], FORMS))
        docx_files.append(path)
        if i < sample:
            form_files += [render_forms_batch([context], (form,)) for form in FORMS]

    # (a) one unoserver call per document, LibreOffice already warm.
    with Converter() as one:
        a_time, a_pdfs = one_by_one(one, [p.read_bytes() for p in docx_files[:sample]])
        a2_time, _ = one_by_one(one, form_files)

    # (b) one soffice run over all the files (it starts LibreOffice itself).
    b_out = work / "soffice"
    b_time, b_runs = soffice_all(docx_files, b_out)

    # The batch twice: cold, LibreOffice start included, as `zgsz forms` runs on a
    # machine where none is running; and warm, on LibreOffices already started, as a
    # worker of the service runs it, on the same footing as (a)'s warm unoserver.
    def batch(folder: str, warm: bool):
        converters = [Converter() for _ in range(args.workers)]
        try:
            start_time, _ = timed(lambda: start_all(converters))
            if warm:
                # A first conversion each, as (a)'s server had made before timing.
                for converter in converters:
                    converter.to_pdf(docx_files[0].read_bytes(), update_index=False)
            run_time, result = timed(lambda: run_forms(roster, skeleton, FORMS,
                                                       work / folder, converters))
            return run_time + (0 if warm else start_time), result
        finally:
            for converter in converters:
                converter.stop()

    cold_time, _ = batch("batch", warm=False)
    warm_time, result = batch("batch-warm", warm=True)

    checked = 0
    # Spread over the roster for (b), which converted every row; (a) only the sample.
    spread = sorted({*range(0, sample, max(1, sample // 20)),
                     *range(0, args.rows, max(1, args.rows // 20))})
    for i in spread:
        split = text_of((work / "batch-warm" / result.done[i].pdf_name).read_bytes())
        if i < sample:
            assert split == text_of(a_pdfs[i]), f"row {i}: batch differs from (a)"
        assert split == text_of((b_out / f"{i:04d}.pdf").read_bytes()), \
            f"row {i}: batch differs from (b)"
        checked += 1

    a_full, a2_full, b_full = a_time * scale, a2_time * scale, b_time
    print(f"rows: {args.rows}; (a) measured on {sample} rows"
          + ("" if scale == 1 else f", scaled x{scale:g}")
          + f"; (b) on all rows, in {b_runs} soffice run(s)")
    print(f"identical text checked on {checked} enterprises: yes")
    print(f"batch, warm ({args.workers} LibreOffice):       {warm_time:8.1f} s")
    print(f"batch, cold (start included):      {cold_time:8.1f} s")
    print("                                              ratio warm   ratio cold")
    for label, seconds in (("(a1) unoserver per enterprise", a_full),
                           ("(a2) unoserver per form file", a2_full),
                           ("(b) one soffice over all files", b_full)):
        print(f"{label:32s} {seconds:8.1f} s   {seconds / warm_time:9.1f}x"
              f"   {seconds / cold_time:9.1f}x")


if __name__ == "__main__":
    main()
