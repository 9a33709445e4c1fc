"""OGC API – Processes – Part 1: Core: the analyses as processes (site review, batch review, zonal statistics,
corridor metrics), executed synchronously or, with `Prefer: respond-async`, as jobs (201, Location /jobs/{jobId})
that persist in the workspace (geo/workspace/jobs.py): a job is visible to the user who started it and to admins
only, and a job a dead server process left unfinished says failed. Process descriptions, status infos and lists
follow the standard's JSON schemas (tests/api/test_processes.py validates them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
from flask import Blueprint, Response, jsonify, request

from api.analysis import body_site, corridor_row, countries_frame, site_context
from api.batch import ASYNC, result_response, wants_async
from api.core.body import read_json_body
from api.core.declare import LANG, Body, Param, formats, ok, operation
from api.core.identity import require_role
from api.core.media import JSON
from api.core.review import audit_review, review_batch, rule_frames
from api.core.services import Services, current_user, services
from api.core.urls import absolute_url
from geo.analysis.corridors import corridor_metrics
from geo.analysis.review import review_site
from geo.analysis.site import check_site_geometry, site_report
from geo.core.crs import WGS84
from geo.core.errors import InvalidParameterError, NotFoundError
from geo.core.geojson import parse_features
from geo.core.limits import MAX_BATCH_SITES, MAX_PERCENTILES, MAX_VERTICES, MAX_ZONES
from geo.rasters.stats import DEFAULT_PERCENTILES, read_band, zonal_statistics, zones_from_geojson
from geo.workspace.jobs import Work, create_job, get_job, list_jobs
from geo.workspace.jobs import job_results as stored_results

bp = Blueprint("processes", __name__)
CONFORMANCE = tuple(f"http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/{name}"
                    for name in ("core", "ogc-process-description", "json", "oas30", "job-list"))
GEOJSON_SCHEMA = {"type": "object", "contentMediaType": "application/geo+json"}
JSON_OUTPUT = {"type": "object", "contentMediaType": "application/json"}


@dataclass(frozen=True)
class Process:
    """One process: its description and how a request's inputs become the work (checked and read in the request,
    run in it or on a job's thread)."""

    id: str
    title: str
    description: str
    inputs: dict
    output: str  # the id of its one output
    output_description: str
    prepare: Callable[[Services, dict], Work]

    def summary(self) -> dict:
        return {"id": self.id, "title": self.title, "description": self.description, "version": "1.0.0",
                "jobControlOptions": ["sync-execute", "async-execute"], "outputTransmission": ["value"],
                "links": [{"rel": "self", "type": JSON, "title": "process description",
                           "href": absolute_url("processes.process", process_id=self.id)},
                          {"rel": "http://www.opengis.net/def/rel/ogc/1.0/execute", "type": JSON,
                           "title": "execute", "href": absolute_url("processes.execute", process_id=self.id)}]}

    def describe(self) -> dict:
        return {**self.summary(), "inputs": self.inputs,
                "outputs": {self.output: {"title": self.output, "description": self.output_description,
                                          "schema": JSON_OUTPUT}}}


def _input(title: str, description: str, schema: dict, required: bool = True) -> dict:
    return {"title": title, "description": description, "minOccurs": 1 if required else 0, "maxOccurs": 1,
            "schema": schema}


def _required(inputs: dict, name: str):
    if name not in inputs or inputs[name] is None:
        raise InvalidParameterError(f"inputs.{name}", "is required")
    return inputs[name]


def _actor() -> tuple[str | None, str | None]:
    user = current_user()
    return (user.name if user else None), request.remote_addr


# ---- the processes --------------------------------------------------------------------------------------------


def prepare_site_review(svc: Services, inputs: dict) -> Work:
    """The site report and every rule for one site (as POST /analysis/site)."""
    geom, properties = body_site(_required(inputs, "site"))
    site = check_site_geometry(geom)[0]
    ctx, frames = site_context(svc, geom), rule_frames(svc.engine, svc.catalog, svc.rules, site.bounds)
    version, (actor, client) = svc.data_version(), _actor()

    def work(progress) -> dict:
        report = site_report(geom, ctx).to_dict()
        findings = review_site(site, properties, svc.rules, frames)
        report["rules"] = [f.to_dict() for f in findings]
        report["review"] = {k: sum(1 for f in findings if f.outcome == k) for k in ("pass", "fail", "not_applicable")}
        report["data_version"] = version
        audit_review(svc, "review", version, {"sites": 1, "process": "site-review", **report["review"]}, actor, client)
        return {"report": report}

    return work


def sites_frame(doc: object) -> gpd.GeoDataFrame:
    """A GeoJSON FeatureCollection of sites as a WGS84 frame (feature_id: the feature's id, else its number)."""
    features = parse_features(doc, MAX_VERTICES, MAX_BATCH_SITES)
    ids = [str(f.id) if f.id is not None else str(i + 1) for i, f in enumerate(features)]
    if len(set(ids)) != len(ids):
        raise InvalidParameterError("inputs.sites", "feature ids must be unique")
    props = gpd.pd.DataFrame([f.properties or {} for f in features]).drop(columns=["feature_id", "geometry"],
                                                                          errors="ignore")
    props.insert(0, "feature_id", ids)
    return gpd.GeoDataFrame(props, geometry=gpd.GeoSeries([f.geometry for f in features], crs=WGS84), crs=WGS84)


def batch_work(svc: Services, sites: gpd.GeoDataFrame, extra: dict | None = None) -> Work:
    """Every rule for every site, read with the requesting user's catalog, run anywhere."""
    engine, catalog, rules, version = svc.engine, svc.catalog, svc.rules, svc.data_version()
    actor, client = _actor()

    def work(progress) -> dict:
        result = review_batch(engine, catalog, rules, sites, version,
                              lambda done, total: progress(done * 100 // total))
        result.update(extra or {})
        audit_review(svc, "batch_review", version, {"sites": result["count"], "sites_failing": result["sites_failing"],
                                                    **result["review"]}, actor, client)
        return {"result": result}

    return work


def prepare_batch_review(svc: Services, inputs: dict) -> Work:
    return batch_work(svc, sites_frame(_required(inputs, "sites")))


def prepare_zonal_statistics(svc: Services, inputs: dict) -> Work:
    raster_id = _required(inputs, "raster_id")
    if not isinstance(raster_id, str):
        raise InvalidParameterError("inputs.raster_id", "must be a string (see /rasters)")
    layer, path = svc.rasters.resolve(raster_id)
    zones = zones_from_geojson(_required(inputs, "zones"))
    percentiles = inputs.get("percentiles") or list(DEFAULT_PERCENTILES)
    if (not isinstance(percentiles, list) or len(percentiles) > MAX_PERCENTILES
            or not all(isinstance(p, int | float) and not isinstance(p, bool) and 0 <= p <= 100 for p in percentiles)):
        raise InvalidParameterError("inputs.percentiles", f"up to {MAX_PERCENTILES} numbers within [0, 100]")
    codes = tuple(c.code for c in layer.classes)

    def work(progress) -> dict:
        return {"statistics": {"raster": raster_id, "unit": layer.unit,
                               "zones": zonal_statistics(read_band(path), zones, codes, tuple(percentiles))}}

    return work


def prepare_corridor_metrics(svc: Services, inputs: dict) -> Work:
    corridor_id = _required(inputs, "corridor_id")
    if not isinstance(corridor_id, str) or len(corridor_id) > 200:
        raise InvalidParameterError("inputs.corridor_id", "must be a corridor feature id (text)")
    speed = inputs.get("speed_kmh")
    if speed is not None and (not isinstance(speed, int | float) or isinstance(speed, bool) or not 0 < speed <= 1000):
        raise InvalidParameterError("inputs.speed_kmh", "must be a number in (0, 1000]")
    row, countries = corridor_row(svc, corridor_id), countries_frame(svc)

    def work(progress) -> dict:
        return {"metrics": corridor_metrics(row, countries, speed)}

    return work


PROCESSES = {p.id: p for p in (
    Process("site-review", "Site review (合规性审查)",
            "A site's compliance report: zones touched (EPSG:4549), distances, and every review rule "
            "(layers/rules.yaml) with pass / fail / not applicable, as POST /analysis/site",
            {"site": _input("site", "a GeoJSON geometry, Feature or FeatureCollection (WGS84 lon/lat); a Feature's "
                                    "properties choose the rules that apply to some projects only", GEOJSON_SCHEMA)},
            "report", "the site report with its findings", prepare_site_review),
    Process("batch-review", "Batch review (批量审查)",
            f"Every site of a GeoJSON FeatureCollection (at most {MAX_BATCH_SITES:,} sites, {MAX_VERTICES:,} "
            "vertices) against every review rule: a table of sites × rules. Files (Shapefile, GeoPackage, CSV) "
            "go to POST /analysis/batch",
            {"sites": _input("sites", "a GeoJSON FeatureCollection of sites (WGS84 lon/lat); each feature's id "
                                      "names its row", GEOJSON_SCHEMA)},
            "result", "sites × rules: each site's findings and the totals per rule", prepare_batch_review),
    Process("zonal-statistics", "Zonal statistics",
            f"Statistics of a raster per posted polygon (cells whose centre is inside; at most {MAX_ZONES:,})",
            {"raster_id": _input("raster_id", "the raster (see /rasters)", {"type": "string"}),
             "zones": _input("zones", "a GeoJSON Polygon/MultiPolygon, Feature or FeatureCollection (WGS84)",
                             GEOJSON_SCHEMA),
             "percentiles": _input("percentiles", "percentiles within [0, 100]",
                                   {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 100},
                                    "maxItems": MAX_PERCENTILES}, required=False)},
            "statistics", "the statistics per zone", prepare_zonal_statistics),
    Process("corridor-metrics", "Corridor metrics",
            "Geodesic and published length, countries crossed and transit days of a corridor",
            {"corridor_id": _input("corridor_id", "a corridor feature id (see the corridor layer)", {"type": "string"}),
             "speed_kmh": _input("speed_kmh", "average rail moving speed, km/h (default 42)",
                                 {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 1000},
                                 required=False)},
            "metrics", "the corridor's metrics", prepare_corridor_metrics),
)}

PROCESS_ID = Param("process_id", "the process id (see /processes)", {"type": "string", "enum": list(PROCESSES)},
                   str, where="path", early=True)
JOB_ID = Param("job_id", "the job id (see /jobs)", {"type": "string", "maxLength": 64}, str, where="path")
PREFER = Param("Prefer", "respond-async: run as a job (201 with Location /jobs/{jobId}; a signed-in user); without "
                         "it the process runs in the request", {"type": "string", "maxLength": 200}, str,
               where="header")
EXECUTE_BODY = Body("the inputs, by input id (see the process description); `outputs` and `response` are accepted "
                    "and ignored (one output, as a value)",
                    {"type": "object", "required": ["inputs"],
                     "properties": {"inputs": {"type": "object"}, "outputs": {"type": "object"},
                                    "response": {"type": "string", "enum": ["raw", "document"]}}},
                    ("application/json",))
STATUS_SCHEMA = {"type": "object", "required": ["jobID", "status", "type"],
                 "properties": {"jobID": {"type": "string"}, "status": {"type": "string"},
                                "type": {"type": "string"}, "progress": {"type": "integer"}}}


def process_of(process_id: str) -> Process:
    if process_id not in PROCESSES:
        raise NotFoundError(f"process '{process_id[:80]}' does not exist (see /processes)")
    return PROCESSES[process_id]


def status_info(row: dict) -> dict:
    """A job as OGC API – Processes says it (statusInfo)."""
    info = {"type": "process", "processID": row["process"], "jobID": row["id"], "status": row["status"],
            "progress": int(row["progress"] or 0), "created": row["created"], "updated": row["updated"]}
    for key in ("started", "finished", "message"):
        if row.get(key):
            info[key] = row[key]
    links = [{"rel": "self", "type": JSON, "title": "this job", "href": absolute_url("processes.job", job_id=row["id"])},
             {"rel": "alternate", "type": "text/html", "title": "this job's page",
              "href": absolute_url("processes.job", job_id=row["id"], f="html")}]
    if row["status"] == "successful":
        links.append({"rel": "http://www.opengis.net/def/rel/ogc/1.0/results", "type": JSON, "title": "results",
                      "href": absolute_url("processes.job_results", job_id=row["id"])})
    return {**info, "links": links}


def visible_job(job_id: str) -> dict:
    """A job its owner or an admin asks for (anyone else: 404, as a job that does not exist)."""
    user = require_role("viewer")
    row = get_job(services().engine, job_id)
    if row is None or (row["owner"] != user.name and not user.can("admin")):
        raise NotFoundError(f"job '{job_id[:80]}' does not exist")
    return row


def start_job(svc: Services, process_id: str, work: Work, inputs_summary: dict) -> Response:
    """Accept a job for the signed-in user and run it on the background thread: 201, its status, Location."""
    user = require_role("viewer")
    job_id = create_job(svc.engine, process_id, user.name, inputs_summary)
    svc.jobs.submit(svc.engine, job_id, work)
    response = jsonify(status_info(get_job(svc.engine, job_id)))
    response.status_code = 201
    response.headers["Location"] = absolute_url("processes.job", job_id=job_id)
    response.headers["Preference-Applied"] = ASYNC
    return response


def inline_value(name: str, value: object) -> object:
    """An input as given (a value), or the value of a qualified input ({"value": …, "mediaType": …}); a reference
    ({"href": …}) is refused: the service fetches nothing."""
    if isinstance(value, dict) and "type" not in value:
        if "href" in value:
            raise InvalidParameterError(f"inputs.{name}", "inputs by reference (href) are not supported; send the value")
        if "value" in value:
            return value["value"]
    return value


def inputs_summary(inputs: dict) -> dict:
    """What the job row keeps of its inputs: small values as given, GeoJSON by its size."""
    out = {}
    for key, value in inputs.items():
        if isinstance(value, dict | list):
            features = value.get("features") if isinstance(value, dict) else None
            out[key] = {"type": value.get("type") if isinstance(value, dict) else "array",
                        "count": len(features) if isinstance(features, list) else None}
        else:
            out[key] = value
    return out


# ---- the endpoints --------------------------------------------------------------------------------------------


@bp.get("/processes")
@operation("the processes (OGC API – Processes): site review, batch review, zonal statistics, corridor metrics",
           "processes", responses=ok("the process list", JSON))
def processes(q):
    return jsonify({"processes": [p.summary() for p in PROCESSES.values()],
                    "links": [{"rel": "self", "type": JSON, "href": absolute_url("processes.processes")}]})


@bp.get("/processes/<process_id>")
@operation("a process description: its inputs and outputs", "processes", PROCESS_ID,
           responses=ok("the process description", JSON))
def process(q, process_id: str):
    return jsonify(process_of(process_id).describe())


@bp.post("/processes/<process_id>/execution")
@operation("execute a process: in the request (200, the output's value), or with `Prefer: respond-async` as a job "
           "(201, its status, Location /jobs/{jobId}; signed-in users)", "processes", PROCESS_ID, PREFER,
           body=EXECUTE_BODY,
           responses={**ok("the output's value (synchronous)", JSON),
                      "201": {"description": "the job (asynchronous): its status; Location /jobs/{jobId}",
                              "content": {JSON: {"schema": STATUS_SCHEMA}}},
                      "401": {"description": "an asynchronous execution needs a signed-in user"}})
def execute(q, process_id: str):
    proc = process_of(process_id)
    doc = read_json_body(request)
    if not isinstance(doc, dict) or not isinstance(doc.get("inputs"), dict):
        raise InvalidParameterError("inputs", "the body must be an object with an `inputs` object")
    if "outputs" in doc and not isinstance(doc["outputs"], dict):
        raise InvalidParameterError("outputs", "must be an object")
    if "response" in doc and doc["response"] not in ("raw", "document"):
        raise InvalidParameterError("response", "must be raw or document")
    unknown = [k for k in doc["inputs"] if k not in proc.inputs]
    if unknown:
        raise InvalidParameterError("inputs", f"unknown input(s) {', '.join(k[:40] for k in unknown[:5])} of "
                                              f"{proc.id} (see /processes/{proc.id})")
    inputs = {name: inline_value(name, value) for name, value in doc["inputs"].items()}
    svc = services()
    if wants_async():
        require_role("viewer")
    work = proc.prepare(svc, inputs)
    if wants_async():
        return start_job(svc, proc.id, work, inputs_summary(inputs))
    return jsonify(work(lambda percent: None)[proc.output])


@bp.get("/jobs")
@operation("your jobs (an admin: everyone's), newest first", "processes", role="viewer",
           responses=ok("the job list", JSON))
def jobs(q):
    user = require_role("viewer")
    rows = list_jobs(services().engine, None if user.can("admin") else user.name)
    return jsonify({"jobs": [status_info(r) for r in rows],
                    "links": [{"rel": "self", "type": JSON, "href": absolute_url("processes.jobs")}]})


@bp.get("/jobs/<job_id>")
@operation("a job's status and progress (its owner and admins); html: a page that follows the progress and shows "
           "a batch review's summary", "processes", JOB_ID, formats("json", "html"), LANG, role="viewer",
           responses=ok("the job's status", JSON, "text/html", schema=STATUS_SCHEMA), not_found=True)
def job(q, job_id: str):
    row = visible_job(job_id)
    info = status_info(row)
    if q.f != "html":
        return jsonify(info)
    results = stored_results(row) if row["status"] == "successful" else None
    result = results.get("result") if results and row["process"] == "batch-review" else None
    return job_page(info, result, q.lang)


def job_page(info: dict, result: dict | None, lang: str) -> Response:
    from api.batch import batch_page

    return Response(batch_page(result, lang, info), headers={"Content-Type": "text/html; charset=utf-8",
                                                             "Cache-Control": "no-store"})


@bp.get("/jobs/<job_id>/results")
@operation("a finished job's results (its owner and admins): json (the results document); a batch review also as "
           "csv, gpkg or html", "processes", JOB_ID, formats("json", "csv", "gpkg", "html"), LANG, role="viewer",
           responses=ok("the results", JSON, "text/csv", "application/geopackage+sqlite3", "text/html"),
           not_found=True)
def job_results(q, job_id: str):
    row = visible_job(job_id)
    if row["status"] != "successful":
        raise NotFoundError(f"job '{job_id[:80]}' has no results: it is {row['status']}"
                            + (f" ({row['message']})" if row.get("message") else ""))
    results = stored_results(row)
    if q.f == "json":
        return jsonify(results)
    if row["process"] != "batch-review":
        raise InvalidParameterError("f", f"only a batch review's results come as {q.f}; this job is {row['process']}")
    return result_response(results["result"], q.f, q.lang, status_info(row))
