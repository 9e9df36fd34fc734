"""The house rules, read from the code: which package may import which, where a feature's files
live, and that the factory only wires (`../shared/ARCHITECTURE.md`)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The files a feature folder is made of, and the few documented extras.
FEATURE_FILES = {"__init__.py", "models.py", "services.py", "views.py", "station.py", "api.py",
                 "schemas.py", "cli.py", "jobs.py"}
EXTRAS = {
    "timebank/accounts/permissions.py",      # roles and the decorators every route uses
    "timebank/ledger/keys.py",               # every persisted account-key format
    "timebank/ledger/queries.py",            # statements, totals and verify: the readings
    "timebank/accounts/recovery.py",         # password reset codes: staff-issued and by SMS
    "timebank/accounts/verification.py",     # phone verification codes by SMS
    "timebank/notifications/sms.py",         # the pluggable SMS gateway, sent after the commit
    "volunteers/complaints/limits.py",       # the public form's limits per address and phone
    "timebank/notifications/wechat.py",      # the WeChat template-message sender
    "timebank/notifications/delivery.py",    # the outbox's worker: claims, sends, retries
    "timebank/audit/labels.py",              # the audit log in words: actions, fields, old → new
    "volunteers/profiles/imports.py",        # the volunteer roster importer (timebank.imports)
    "volunteers/checkins/posters.py",        # the printable check-in poster (PDF)
    "volunteers/checkins/offline.py",        # cards scanned without network, sent later
    "volunteers/matching/scoring.py",        # the pure scoring core, no database
    "volunteers/reporting/filters.py",       # the filters every report shares
    "volunteers/reporting/exports.py",       # the export datasets (a second service module)
    "volunteers/reporting/export_views.py",  # the export pages beside the dashboard's
    "volunteers/reporting/monthly.py",       # the monthly station report: figures and definitions
    "volunteers/reporting/monthly_files.py", # the monthly report as Excel and PDF
    "volunteers/reporting/summaries.py",     # monthly summaries of the dashboard's figures
    "volunteers/demo/data.py", "volunteers/demo/seed.py",
}
#: Modules directly in `volunteers/`, besides `__init__.py`, `vocabulary.py` and `jobs.py`.
VOLUNTEERS_ROOT = {"__init__.py", "vocabulary.py", "jobs.py", "pages.py"}
#: Feature folders, by package.
FEATURES = {
    "timebank": {"accounts", "org", "ledger", "exchange/gifts", "exchange/merchants",
                 "exchange/mutual_aid", "exchange/pools", "audit", "notifications", "settings",
                 "imports", "stars", "personal_data", "consents", "privacy"},
    "volunteers": {"profiles", "themes", "activities", "checkins", "matching", "certificates",
                   "reporting", "official", "corrections", "ratings", "visits", "households",
                   "complaints", "followups", "teams", "groups", "training", "evidence",
                   "evaluation"},
}
VIEW_MODULES = {"views.py", "station.py", "api.py", "export_views.py"}


def _modules(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        yield path, ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _imports(path: Path):
    """(imported module, names) for every import, except under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            skipped.update(id(child) for child in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [alias.name for alias in node.names]
            yield node.module, names
            for name in names:
                yield f"{node.module}.{name}", []


def _feature_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:3] if parts[:2] == ["timebank", "exchange"] else parts[:2])


def test_timebank_never_imports_volunteers():
    found = [(module, imported) for path, module in _modules("timebank")
             for imported, _names in _imports(path) if imported.split(".")[0] == "volunteers"]
    assert found == []


def test_the_rule_finds_an_import_of_volunteers(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from volunteers.activities import services\nimport volunteers\n")
    assert {name.split(".")[0] for name, _ in _imports(sample)} == {"volunteers"}


#: View modules that read another feature's models directly: none (they call its services);
#: the test fails as soon as one appears.
VIEWS_READING_OTHER_MODELS: set[tuple[str, str]] = set()


def test_views_call_other_features_services_not_their_models():
    found = set()
    for package in FEATURES:
        for path, module in _modules(package):
            if path.name not in VIEW_MODULES:
                continue
            for imported, _names in _imports(path):
                if imported.endswith(".models") and _feature_of(imported) != _feature_of(module):
                    found.add((module, imported))
    assert found == VIEWS_READING_OTHER_MODELS


def test_volunteers_has_no_loose_modules():
    loose = {path.name for path in (ROOT / "volunteers").glob("*.py")}
    assert loose == VOLUNTEERS_ROOT


def test_feature_folders_use_the_same_file_names():
    odd = []
    for package, features in FEATURES.items():
        for feature in features:
            folder = ROOT / package / feature
            assert (folder / "__init__.py").exists(), folder
            for path in folder.glob("*.py"):
                relative = path.relative_to(ROOT).as_posix()
                if path.name not in FEATURE_FILES and relative not in EXTRAS:
                    odd.append(relative)
    assert odd == []


def test_each_package_wires_itself_and_the_factory_stays_small():
    factory = (ROOT / "app.py").read_text(encoding="utf-8")
    assert len(factory.splitlines()) < 60
    for package, features in FEATURES.items():
        for feature in features:
            folder = ROOT / package / feature
            if not any((folder / name).exists() for name in ("views.py", "api.py", "cli.py")):
                continue  # nothing to register (the organisation has only models and rules)
            init = ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))
            assert any(isinstance(node, ast.FunctionDef) and node.name == "init_app"
                       for node in init.body), f"{package}/{feature} has no init_app"


def test_tests_mirror_the_tree():
    """A test module in a folder of tests/ tests the package of the same path."""
    for path in (ROOT / "tests").rglob("test_*.py"):
        folder = path.parent.relative_to(ROOT / "tests")
        if folder.parts:
            assert (ROOT / folder).is_dir(), f"{path.relative_to(ROOT)} has no package {folder}"
