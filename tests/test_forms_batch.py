"""`zgsz forms` on a 30-row roster, read back from the PDFs staff would print."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.helpers import ZGSZ, pdf_text, run_zgsz, squeeze
from tests.roster_data import HEADERS, enterprise_row, save_roster

ROWS = 30
BAD = {5: "企业名称", 12: "统一社会信用代码", 20: "所在镇（开发区）"}  # data index -> column


def roster_rows() -> list[list]:
    rows = [HEADERS]
    for i in range(ROWS):
        row = enterprise_row(i)
        if i % 4 == 0:
            row[6] = "2022-06-15、2022-08-20"  # two visits: two sign-in sheets
        rows.append(row)
    rows[1 + 5][0] = ""
    rows[1 + 12][1] = "91320412MA1XW7K30X"
    rows[1 + 20][2] = "不存在镇"
    return rows


@pytest.fixture(scope="module")
def batch(tmp_path_factory, libreoffice):
    folder = tmp_path_factory.mktemp("forms")
    roster = save_roster(folder, roster_rows())
    out = folder / "out"

    result = run_zgsz("forms", str(roster), "--forms", "1,2,3", "-o", str(out),
                      "--pad-even", "--chunk-size", "8")
    return result, out


def test_bad_rows_are_reported_and_the_rest_produced(batch):
    result, out = batch

    assert result.returncode == 1
    assert "3 行未生成" in result.stderr
    for index, column in BAD.items():
        assert f"第 {index + 2} 行「{column}」列" in result.stderr
    assert len(list((out / "分企业").glob("*.pdf"))) == ROWS - len(BAD)


def test_each_split_pdf_holds_its_own_enterprise_only(batch):
    _, out = batch
    names = {squeeze(enterprise_row(i)[0]): i for i in range(ROWS)}

    for pdf in sorted((out / "分企业").glob("*.pdf")):
        text = squeeze("".join(p.extract_text() for p in PdfReader(pdf).pages))
        present = [i for name, i in names.items() if name in text]
        assert len(present) == 1, (pdf.name, present)
        assert squeeze(enterprise_row(present[0])[0]) in pdf.name
        sheets = 2 if present[0] % 4 == 0 else 1
        assert len(PdfReader(pdf).pages) == sheets + 2


def test_merged_pdf_is_the_parts_padded_with_a_bookmark_each(batch):
    _, out = batch
    parts = [len(PdfReader(p).pages) for p in (out / "分企业").glob("*.pdf")]

    merged = PdfReader(out / "全部表单_打印版.pdf")

    assert len(merged.pages) == sum(n + n % 2 for n in parts)
    titles = [item.title for item in merged.outline]
    assert len(titles) == ROWS - len(BAD)
    assert titles[0] == f"0001 {enterprise_row(0)[0]}"


def test_manifests_map_every_row(batch):
    _, out = batch

    records = json.loads((out / "清单.json").read_text("utf-8"))
    with open(out / "清单.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))

    assert len(records) == len(rows) == ROWS
    failed = {r["行号"]: r["问题"] for r in records if r["状态"] == "失败"}
    assert set(failed) == {i + 2 for i in BAD}
    assert "不存在镇" in failed[22]
    # A failed row keeps the code as read, to be matched back to the roster.
    codes = {r["行号"]: r["统一社会信用代码"] for r in records if r["状态"] == "失败"}
    assert codes[22] == enterprise_row(20)[1] and codes[14] == "91320412MA1XW7K30X"
    done = [r for r in records if r["状态"] == "成功"]
    assert all((out / r["PDF"]).is_file() for r in done)


def test_zip_holds_everything(batch):
    _, out = batch

    with zipfile.ZipFile(out / "全部文件.zip") as archive:
        names = set(archive.namelist())

    assert "全部表单_打印版.pdf" in names and "清单.csv" in names
    assert sum(1 for n in names if n.startswith("分企业/")) == ROWS - len(BAD)


def test_a_reused_folder_holds_only_the_new_rosters_files(tmp_path, libreoffice):
    out = tmp_path / "out"
    first = save_roster(tmp_path, [HEADERS, *(enterprise_row(i) for i in range(4))], "一.xlsx")
    second = save_roster(tmp_path, [HEADERS, enterprise_row(7)], "二.xlsx")
    run_zgsz("forms", str(first), "-o", str(out), check=True)

    result = run_zgsz("forms", str(second), "-o", str(out), check=True)

    parts = list((out / "分企业").glob("*.pdf"))
    assert [squeeze(enterprise_row(7)[0]) in p.name for p in parts] == [True]
    assert "已删除" in result.stdout
    merged = squeeze(pdf_text(out / "全部表单_打印版.pdf"))
    assert squeeze(enterprise_row(7)[0]) in merged
    assert squeeze(enterprise_row(0)[0]) not in merged


def test_a_roster_with_nothing_to_produce_leaves_the_folder_alone(tmp_path, libreoffice):
    out = tmp_path / "out"
    run_zgsz("forms", str(save_roster(tmp_path, [HEADERS, enterprise_row(1)], "一.xlsx")),
             "-o", str(out), check=True)
    before = sorted(p.name for p in out.rglob("*"))

    empty = run_zgsz("forms", str(save_roster(tmp_path, [HEADERS], "空.xlsx")), "-o", str(out))
    bad = enterprise_row(2)
    bad[0] = ""
    all_bad = run_zgsz("forms", str(save_roster(tmp_path, [HEADERS, bad], "坏.xlsx")),
                       "-o", str(out))

    assert empty.returncode == 2 and "没有数据行" in empty.stderr
    assert all_bad.returncode == 1 and "第 2 行「企业名称」列" in all_bad.stderr
    assert "完成" not in empty.stdout + all_bad.stdout
    assert sorted(p.name for p in out.rglob("*")) == before


def test_notices_leads_and_a_range_of_forms(tmp_path, libreoffice):
    rows = [[*HEADERS, "备注"], [*enterprise_row(1), "重点企业"]]
    out = tmp_path / "out"

    result = run_zgsz("forms", str(save_roster(tmp_path, rows)), "--forms", "1-3",
                      "-o", str(out), check=True)

    assert "注意：未识别的列已忽略：备注" in result.stderr
    [record] = json.loads((out / "清单.json").read_text("utf-8"))
    assert record["PDF"].endswith("_附件1-3.pdf") and record["页数"] == 3
    assert (record["项目负责人"], record["企业负责人"]) == tuple(enterprise_row(1)[4:6])


def test_an_output_path_through_a_file_is_named_in_chinese(tmp_path):
    (tmp_path / "afile").write_text("x")
    roster = save_roster(tmp_path, [HEADERS, enterprise_row(1)])

    result = run_zgsz("forms", str(roster), "-o", str(tmp_path / "afile" / "sub"))

    assert result.returncode == 2
    assert "无法创建输出目录" in result.stderr and "路径中有一段是文件，不是目录" in result.stderr


def test_a_roster_inside_the_output_is_not_overwritten(tmp_path):
    roster = tmp_path / "清单.csv"
    roster.write_text(",".join(HEADERS) + "\n" + ",".join(enterprise_row(1)) + "\n", "utf-8")

    result = run_zgsz("forms", str(roster), "-o", str(tmp_path))

    assert result.returncode == 2 and "会被生成的文件覆盖" in result.stderr
    assert roster.read_text("utf-8").startswith("企业名称")


def _children(pid: int) -> list[tuple[int, str]]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes().decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            found.append((int(stat.parent.name), command))
    return found


@pytest.mark.parametrize("signals", [(signal.SIGHUP,), (signal.SIGINT, signal.SIGINT)])
def test_a_stopped_run_leaves_no_libreoffice_and_no_partial_files(tmp_path, libreoffice,
                                                                 signals):
    roster = save_roster(tmp_path, [HEADERS, *(enterprise_row(i) for i in range(400))])
    out = tmp_path / "out"
    run = subprocess.Popen([str(ZGSZ), "forms", str(roster), "-o", str(out),
                            "--chunk-size", "20"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    # Mid-run: LibreOffice is up and the first enterprises' files are being staged.
    while not list(out.rglob(".zgsz-*.part")) and time.monotonic() < deadline:
        time.sleep(0.1)
    office = [(pid, cmd) for pid, cmd in _children(run.pid) if "unoserver" in cmd]
    assert office and run.poll() is None, "the run ended before it could be stopped"

    for sig in signals:
        run.send_signal(sig)
        time.sleep(0.3)
    _, stderr = run.communicate(timeout=60)

    assert run.returncode == 130, stderr.decode()
    assert "已中断" in stderr.decode()
    time.sleep(1)
    assert [pid for pid, _ in office if Path(f"/proc/{pid}").exists()] == []
    profiles = [cmd.split("\0")[cmd.split("\0").index("--user-installation") + 1]
                for _, cmd in office]
    assert not any(Path(p).exists() for p in profiles)
    assert list(out.rglob(".zgsz-*")) == [] and not (out / "全部表单_打印版.pdf").exists()
