"""Scale benchmark of ``furat convert`` / ``furat validate`` (not a test; prints ratios).

    python benchmarks/bench_validate.py             # 100,000 documents (~3 GB export)
    python benchmarks/bench_validate.py --docs 2000 # a quick run

It generates a synthetic Label Studio full-JSON export of N realistic documents (about
2 KB of Arabic text each, 40 entity mentions of which some nested and some behind a
clitic, 8 events with allowed arguments, 5 actors with a stance and evidence plus an
explicit NOT_MENTIONED for every other stance target) and a manifest, into a temporary
folder; a second set of N/10 documents is the small side of the memory comparison.

Every measurement runs in a fresh subprocess, so each peak RSS (``ru_maxrss``) belongs
to one step:

- ``parse``: plain ``json.loads`` of each line of the records file (the baseline);
- ``validate``: ``furat.validate.validate_file`` on the same file (parse + compiled
  schema + semantic checks); the ratio validate/parse is the validation overhead;
- ``convert``: ``Converter.scan`` + ``documents`` from export to records file;
- ``pipeline``: convert and validate streaming together (``furat validate`` with no file);
- ``ratio``: parse and validation of the same records interleaved chunk by chunk (stable
  under machine load), with the schema and semantic stages timed apart;
- ``ls-conll``: Label Studio SDK's own converter (``label_studio_sdk.converter``,
  CONLL2003) on the same export; compared by time and by mentions kept.

Targets: validate/parse <= 1.5; peak memory at N over N/10 <= 1.3 (streaming).

Latest runs (100,000 documents, 2.5 GB export, 1.3 GB of records; 2 shared vCPUs):
separate runs, fastest of 5 alternating: parse 16.8 s, validate_file 22.7 s, ratio 1.35
(medians 18.1 / 24.4 s: 1.35); interleaved validate_lines/json.loads 1.48 at 100,000 and
1.33-1.35 at 10,000 (typed decode 0.39, chunk screen, id patterns and bookkeeping 0.95-1.09).
Single runs are not enough here: with 3 repeats one run saw parse 14.1 s against the
usual 17-19 s and printed 1.79. Conversion 466 docs/s; peak memory 10k -> 100k: convert
1.18, validate 1.00, pipeline 1.07. Label Studio's CONLL2003 converter 516 s and 4.7 GB
peak vs furat convert 236 s (+ validate 30 s); mentions kept 4,000,000 (all levels) vs
3,430,700 B- tags (the outermost level only). Earlier: 3.44 (fastjsonschema + per-span
checks), 2.05 (msgspec types + per-record bulk rules), 1.6-1.75 (chunk screen over
structs, ids hashed), 1.35-1.48 (ids as exact codes gathered once for the patterns and the
screen, spans compared as code-point arrays, freed chunk memory kept: page faults per
9,000 records 42,000 -> 1,700).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from furat.labels import Inventory, load_inventory  # noqa: E402
from furat.lsresults import record_to_results  # noqa: E402


def _words(text: str) -> list[str]:
    return text.split()


FILLER = _words(
    "في وقال أن من على إلى بعد خلال منذ حيث التي الذي كما وأضاف المصادر المحلية اليوم أمس "
    "المنطقة الأخيرة العسكرية الجديدة مصادر ميدانية وأكدت بحسب تقارير أشارت الأوضاع "
    "الميدانية الهجوم المواجهات مواقع الجبهة الأطراف حالة الطريق الرئيسي القريبة الشرقي "
    "الغربي عدد كبير وسط تساؤلات سبب هذا الانهيار المفاجئ للتنظيم وهل بات انهياراً بالفعل "
    "أم أنه تسليم"
)
PLACES = [
    ("دير الزور", "GPE"),
    ("البوكمال", "GPE"),
    ("الميادين", "GPE"),
    ("الرقة", "GPE"),
    ("سوريا", "GPE"),
    ("نهر الفرات", "LOC"),
    ("بادية السوسة", "LOC"),
    ("حقل العمر", "FAC"),
    ("حقل التنك", "FAC"),
    ("معبر البوكمال", "FAC"),
    ("مستشفى الأسد", "FAC"),
]
NESTED = [("ريف {} الشرقي", "LOC"), ("مدينة {}", "GPE"), ("محافظة {}", "GPE")]
OTHERS = [
    ("عامر هويدي", "PER"),
    ("أحمد الرمضان", "PER"),
    ("١٣ نوفمبر ٢٠١٧", "DATE"),
    ("الخميس", "DATE"),
    ("3000 انتحاري", "QUANTITY"),
    ("9 قتلى", "QUANTITY"),
    ("قذيفة هاون", "WEAPON"),
    ("سيارة مفخخة", "VEHICLE"),
    ("الأكراد", "NORP"),
    ("400 ألف ليرة سورية", "MONEY"),
]
TRIGGERS = {
    "ARMED_CLASH": "اشتباكات",
    "AIR_STRIKE": "غارات",
    "SHELLING": "قصف",
    "WITHDRAWAL": "انسحاب",
    "TERRITORY_CAPTURED": "السيطرة",
    "NEGOTIATION": "المفاوضات",
    "ARREST": "اعتقال",
    "DISPLACEMENT": "نزوح",
    "CASUALTY_REPORT": "مقتل",
    "SIEGE": "حصار",
}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class DocMaker:
    """Builds one synthetic document: text, canonical layers, manifest entry, LS task."""

    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self.aliases = {
            a.id: [(form, t) for form, t in a.all_aliases() if t in inv.actor_link_types and '"' not in form]
            for a in inv.actors
            if a.stance_target
        }
        self.attrs = [a.id for a in inv.attributes]

    def make(self, i: int) -> tuple[dict[str, Any], dict[str, Any]]:
        rng = random.Random(i)
        actors = rng.sample([a for a, forms in self.aliases.items() if forms], 5)
        parts: list[str] = []
        size = 0
        ents: list[dict[str, Any]] = []
        trig: list[dict[str, Any]] = []

        def words(n: int) -> None:
            nonlocal size
            for _ in range(n):
                w = rng.choice(FILLER)
                parts.append(w + " ")
                size += len(w) + 1

        def put(surface: str, kind: str, actor: str | None, clitic: str = "") -> dict[str, Any]:
            nonlocal size
            start = size + len(clitic)
            parts.append(clitic + surface + " ")
            size += len(clitic) + len(surface) + 1
            ent = {
                "id": f"e{len(ents)}",
                "start": start,
                "end": start + len(surface),
                "text": surface,
                "type": kind,
                "actor": actor,
                "parent": None,
            }
            ents.append(ent)
            return ent

        unlinked = list(actors)  # every stance actor gets at least one linked mention
        while len(ents) < 40:
            words(rng.randint(2, 3))
            roll = rng.random()
            clitic = rng.choice(["", "", "", "و", "ب", "ل"])
            if roll < 0.35 or unlinked:
                actor = unlinked.pop() if unlinked else rng.choice(actors)
                form, kind = rng.choice(self.aliases[actor])
                put(form, kind, actor, clitic)
            elif roll < 0.55 and len(ents) < 39:
                place, _ = rng.choice([p for p in PLACES if p[1] == "GPE"])
                pattern, kind = rng.choice(NESTED)
                outer = put(pattern.format(place), kind, None, clitic)
                inner_start = outer["start"] + pattern.index("{}")
                ents.append(
                    {
                        "id": f"e{len(ents)}",
                        "start": inner_start,
                        "end": inner_start + len(place),
                        "text": place,
                        "type": "GPE",
                        "actor": None,
                        "parent": outer["id"],
                    }
                )
            elif roll < 0.8:
                put(*rng.choice(PLACES), None, clitic)
            else:
                put(*rng.choice(OTHERS), None, clitic)
            if len(trig) < 8 and rng.random() < 0.3:
                words(1)
                kind = rng.choice(list(TRIGGERS))
                surface = TRIGGERS[kind]
                trig.append({"type": kind, "start": size, "end": size + len(surface), "text": surface})
                parts.append(surface + " ")
                size += len(surface) + 1
            if rng.random() < 0.15:
                parts[-1] = parts[-1][:-1] + ".\n"  # the trailing space becomes ".\n"
                size += 1
        while len(trig) < 8:
            words(1)
            kind = rng.choice(list(TRIGGERS))
            trig.append(
                {"type": kind, "start": size, "end": size + len(TRIGGERS[kind]), "text": TRIGGERS[kind]}
            )
            parts.append(TRIGGERS[kind] + " ")
            size += len(TRIGGERS[kind]) + 1
        while size < 2000:
            words(4)
        text = "".join(parts).rstrip() + "."
        return self._record(i, rng, text, ents, trig, actors)

    def _record(
        self,
        i: int,
        rng: random.Random,
        text: str,
        ents: list[dict[str, Any]],
        trig: list[dict[str, Any]],
        actors: list[str],
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        events = []
        for k, t in enumerate(trig):
            etype = self.inv.event_type(t["type"])
            args = []
            for role, fillers in etype.roles:
                pool = [e for e in ents if e["type"] in fillers]
                if pool and len(args) < 3 and rng.random() < 0.7:
                    args.append({"role": role, "mention_id": rng.choice(pool)["id"]})
            attrs = {a: rng.choice(self.inv.attribute(a).value_ids) for a in self.attrs}
            trigger = {"start": t["start"], "end": t["end"], "text": t["text"]}
            events.append({"id": f"v{k}", "type": t["type"], "trigger": trigger, **attrs, "arguments": args})
        stance = []
        for actor in self.inv.stance_actor_ids:
            if actor in actors:
                linked = [e for e in ents if e["actor"] == actor]
                evidence = [{k: e[k] for k in ("start", "end", "text")} for e in linked[:2]]
                label = rng.choice(["FAVOR", "AGAINST", "NEUTRAL"])
                stance.append({"actor": actor, "label": label, "evidence": evidence})
            else:
                stance.append({"actor": actor, "label": "NOT_MENTIONED", "evidence": []})
        doc_id = f"syn_{i:07d}"
        lines, paragraphs, pos = text.split("\n"), [], 0
        for line in lines:
            paragraphs.append([pos, pos + len(line)])
            pos += len(line) + 1
        meta = {
            "title": lines[0][:80].strip() or "عنوان",
            "title_source": "lead",
            "outlet": "منفذ تجريبي",
            "outlet_source": "footer",
            "outlet_evidence": None,
            "date": "2017-11-13",
            "date_text": None,
            "category": None,
            "byline": None,
            "caption": None,
            "url": None,
            "language": "ar",
            "text_sha256": sha(text),
        }
        article = {
            "id": doc_id,
            "source_file": f"{doc_id}.txt",
            "source_sha256": meta["text_sha256"],
            "metadata": meta,
            "text": text,
            "paragraphs": paragraphs,
            "has_headline": False,
            "cleaning": {},
        }
        layers = {"entities": ents, "events": events, "stance": stance}
        result = record_to_results(layers, self.attrs)
        annotation = {
            "id": i + 1,
            "completed_by": 1 + i % 5,
            "result": result,
            "was_cancelled": False,
            "ground_truth": False,
            "lead_time": 300.0,
            "created_at": "2024-05-01T09:00:00Z",
        }
        task = {
            "id": i + 1,
            "data": {"text": text, "doc_id": doc_id, "text_sha256": meta["text_sha256"]},
            "annotations": [annotation],
            "predictions": [],
            "drafts": [],
        }
        return article, task


def generate(root: Path, counts: list[int]) -> dict[int, Path]:
    """One project folder per count; the documents of a smaller count are a prefix."""
    inv = load_inventory(REPO / "schema" / "labels.yaml", REPO / "schema" / "actors.yaml")
    maker = DocMaker(inv)
    handles = {}
    for n in counts:
        proj = root / f"p{n}"
        (proj / "annotation" / "exports").mkdir(parents=True)
        shutil.copytree(REPO / "schema", proj / "schema")
        export = (proj / "annotation" / "exports" / "furat-p1-20240501T090000Z.json").open(
            "w", encoding="utf-8"
        )
        manifest = (proj / "annotation" / "articles.jsonl").open("w", encoding="utf-8")
        export.write("[\n")
        handles[n] = (proj, export, manifest)
    for i in range(max(counts)):
        article, task = maker.make(i)
        line = json.dumps(article, ensure_ascii=False) + "\n"
        blob = json.dumps(task, ensure_ascii=False)
        for n, (_, export, manifest) in handles.items():
            if i < n:
                export.write(("" if i == 0 else ",\n") + blob)
                manifest.write(line)
    for _, export, manifest in handles.values():
        export.write("\n]\n")
        export.close()
        manifest.close()
    return {n: proj for n, (proj, _, _) in handles.items()}


# --- child processes: one step each, reporting time and peak memory -----------------------


def child(step: str, proj: Path) -> dict[str, Any]:
    from furat.convert import Converter, iter_manifest, project_exports
    from furat.incidents import IncidentLog
    from furat.labels import load_project_inventory
    from furat.paths import Project
    from furat.validate import checked_records, validate_file

    project = Project(proj)
    inv = load_project_inventory(project)
    records = proj / "records.jsonl"
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    if step == "parse":
        with records.open("rb") as fh:
            out["docs"] = sum(1 for line in fh if json.loads(line))
    elif step == "ratio":
        out.update(ratio(records, inv))
    elif step == "validate":
        log, out["docs"] = validate_file(records, inv)
        out["errors"], out["warnings"] = len(log.errors), len(log.warnings)
    elif step == "convert":
        log = IncidentLog()
        with Converter(inv, log, root=proj) as conv, records.open("w", encoding="utf-8") as fh:
            conv.scan(project_exports(project))
            out["docs"] = out["mentions"] = 0
            for record, _rows in conv.documents(iter_manifest(project.manifest)):
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
                out["docs"] += 1
                out["mentions"] += len(record["entities"])
                out["outermost"] = out.get("outermost", 0) + sum(
                    1 for e in record["entities"] if not e["parent"]
                )
        out["errors"], out["warnings"] = len(log.errors), len(log.warnings)
    elif step == "pipeline":
        log = IncidentLog()
        out["docs"] = sum(1 for _ in checked_records(project, inv, log))
        out["errors"], out["warnings"] = len(log.errors), len(log.warnings)
    elif step == "ls-conll":
        from label_studio_sdk.converter import Converter as LSConverter

        config = (REPO / "annotation" / "label_config.xml").read_text(encoding="utf-8")
        ls = LSConverter(config=config, project_dir=str(proj), download_resources=False)
        (export,) = project_exports(project)
        ls.convert(str(export), str(proj / "conll"), "CONLL2003", is_dir=False)
        text = (proj / "conll" / "result.conll").read_text(encoding="utf-8")
        out["mentions"] = sum(
            1 for line in text.splitlines() if line.endswith(tuple(f" B-{t}" for t in inv.entity_ids))
        )
        out["docs"] = text.count("\n\n")
    out["seconds"] = time.perf_counter() - t0
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


#: runs of each of parse and validate (alternating) for the separate-runs ratio (``--repeats``)
REPEATS = 5


def ratio(records: Path, inv: Inventory) -> dict[str, Any]:
    """Parse and validation time of the same lines, interleaved chunk by chunk.

    Interleaving makes every side see the same machine load, so the ratios are stable on
    a shared machine even when absolute times are not. Sides: ``json.loads`` (the plain
    parse the target is set against), msgspec's untyped decode (the fastest plain parse
    here, for reference), the typed decode alone (parse + schema stage) and the whole
    ``validate_lines`` on the chunk (parse + schema + semantic screen and checks + incident
    bookkeeping), as ``validate_file`` runs it.
    """
    import msgspec

    from furat.docschema import document_schema
    from furat.incidents import IncidentLog
    from furat.structschema import struct_type
    from furat.validate import CHUNK, RecordValidator

    validator = RecordValidator(inv)
    typed = msgspec.json.Decoder(struct_type(document_schema(inv)))
    untyped = msgspec.json.Decoder()
    log = IncidentLog()
    parse = fast_parse = schema = total = 0.0
    docs = 0
    with records.open("rb") as fh:
        while lines := [line for _, line in zip(range(CHUNK), fh, strict=False)]:
            t0 = time.perf_counter()
            for line in lines:
                json.loads(line)
            t1 = time.perf_counter()
            for line in lines:
                untyped.decode(line)
            t2 = time.perf_counter()
            for line in lines:
                typed.decode(line)
            t3 = time.perf_counter()
            validator.validate_lines(enumerate(lines, docs + 1), log, source="records.jsonl")
            t4 = time.perf_counter()
            parse, fast_parse = parse + t1 - t0, fast_parse + t2 - t1
            schema, total = schema + t3 - t2, total + t4 - t3
            docs += len(lines)
    return {
        "docs": docs, "parse_s": parse, "fast_parse_s": fast_parse, "schema_s": schema, "total_s": total,
        "errors": len(log),
    }  # fmt: skip


def run_child(step: str, proj: Path) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", step, "--project", str(proj)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{step} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def report(res: dict[tuple[str, int], dict[str, Any]], projects: dict[int, Path], export: Path,
           small: int, large: int) -> None:  # fmt: skip
    """Print the ratios of the steps that ran."""
    records = projects[large] / "records.jsonl"
    mb = records.stat().st_size / 1e6
    print(f"\nrecords file: {mb:,.0f} MB for {large:,} documents")
    for n in (small, large):
        inter = res.get(("ratio", n))
        if inter is None:
            continue
        print(f"validation time / plain JSON parsing time, {n:,} documents (interleaved; target <= 1.5):")
        p, fast, sch, tot = inter["parse_s"], inter["fast_parse_s"], inter["schema_s"], inter["total_s"]
        print(f"  validate_lines (parse + schema + semantic) over json.loads: {tot / p:.2f}")
        print(f"    of which typed decode (parse + schema) {sch / p:.2f}, the rest {(tot - sch) / p:.2f}")
        print(f"  validate_lines over msgspec's untyped decode (the fastest plain parse): {tot / fast:.2f}")
    parse, validate = res.get(("parse", large)), res.get(("validate", large))
    if parse and validate:
        p, v = min(parse["all_seconds"]), min(validate["all_seconds"])
        print(
            f"separate runs (fastest of {len(parse['all_seconds'])} each, alternating; target <= 1.5): "
            f"parse {mb / p:.0f} MB/s, "
            f"validate_file {mb / v:.0f} MB/s ({large / v:,.0f} docs/s), ratio {v / p:.2f}; "
            f"all runs: parse {', '.join(f'{t:.1f}' for t in parse['all_seconds'])} s, "
            f"validate {', '.join(f'{t:.1f}' for t in validate['all_seconds'])} s"
        )
    conv = res.get(("convert", large))
    if conv:
        print(
            f"conversion: {large / conv['seconds']:,.0f} docs/s, "
            f"{export.stat().st_size / 1e6 / conv['seconds']:.0f} MB/s of export"
        )
    for step in ("convert", "validate", "pipeline", "parse"):
        if (step, small) in res and (step, large) in res:
            ratio = res[step, large]["maxrss_mb"] / res[step, small]["maxrss_mb"]
            print(
                f"peak memory {step:<9} {small:,} -> {large:,}: {res[step, small]['maxrss_mb']:.0f} -> "
                f"{res[step, large]['maxrss_mb']:.0f} MB, ratio {ratio:.2f}  (target <= 1.3)"
            )
    ls = res.get(("ls-conll", large))
    if ls and conv and validate:
        print(
            f"Label Studio SDK CONLL2003: {ls['seconds']:.1f} s vs furat convert {conv['seconds']:.1f} s "
            f"(+ validate {validate['seconds']:.1f} s)"
        )
        print(
            f"mentions kept: furat {conv['mentions']:,} (all levels; {conv['outermost']:,} outermost) "
            f"vs CONLL2003 {ls['mentions']:,} B- tags"
        )


STEPS = ("convert", "parse", "validate", "pipeline", "ls-conll", "ratio")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--docs", type=int, default=100_000, help="documents in the large set (default 100000)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    parser.add_argument(
        "--repeats", type=int, default=REPEATS,
        help=f"separate runs of parse and of validate, alternating; the fastest counts (default {REPEATS})",
    )  # fmt: skip
    parser.add_argument(
        "--steps", default=",".join(STEPS),
        help=f"comma-separated subset of {','.join(STEPS)} (convert always runs; the report prints what ran)",
    )  # fmt: skip
    parser.add_argument("--workdir", type=Path, help="where to generate (default: a new temporary folder)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--project", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, Path(args.project))))
        return
    small, large = max(1, args.docs // 10), args.docs
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=False)
    tmp = args.workdir or Path(tempfile.mkdtemp(prefix="furat-validate-bench-"))
    try:
        t0 = time.perf_counter()
        projects = generate(tmp, [small, large])
        export = next((projects[large] / "annotation" / "exports").iterdir())
        print(
            f"generated {large:,} + {small:,} documents in {time.perf_counter() - t0:.0f} s; "
            f"export {export.stat().st_size / 1e6:,.0f} MB at {tmp}"
        )
        res: dict[tuple[str, int], dict[str, Any]] = {}
        for n in (small, large):
            # convert always runs first: it writes the records file the other steps read
            for step in [s for s in STEPS if s == "convert" or s in args.steps.split(",")]:
                res[step, n] = run_child(step, projects[n])
                r = res[step, n]
                if step == "ratio":
                    continue
                print(
                    f"  {step:<9} {n:>7,} docs  {r['seconds']:8.1f} s  {n / r['seconds']:8,.0f} docs/s"
                    f"  peak {r['maxrss_mb']:7.0f} MB"
                    + (f"  errors {r['errors']} warnings {r['warnings']}" if "errors" in r else "")
                )
        steps = args.steps.split(",")
        if "parse" in steps and "validate" in steps:
            # the separate runs, repeated alternately: one noisy run must not decide the ratio
            for step in ("parse", "validate"):
                res[step, large]["all_seconds"] = [res[step, large]["seconds"]]
            for _ in range(args.repeats - 1):
                for step in ("parse", "validate"):
                    res[step, large]["all_seconds"].append(run_child(step, projects[large])["seconds"])
        report(res, projects, export, small, large)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
