"""Static checks of terraform/: formatting, and the properties the deployment relies on.

`terraform validate` needs the Google provider, which is not downloaded for unit tests, so these
tests parse the HCL with python-hcl2 and check what matters: every topic dead-letters, every push
subscription retries and dead-letters, every function runs as its own service account, no broad
project roles, private audio with a lifecycle rule, a long-lived relay, and environments that wire
every module with the inputs it declares.

The functions table is checked against the facts in code (shared/topics.py FUNCTION_SUBSCRIPTIONS,
HTTP_FUNCTIONS, PUBLISHES) and against functions/ (a folder, a main.py defining the entry point, a
requirements.txt per function). Where `terraform` is on PATH, the module's locals are evaluated by
`terraform console` with the provider's values stubbed, and the environment each function gets is
given to that function's own settings class in production mode.
"""

import ast
import json
import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from shared.topics import FUNCTION_SUBSCRIPTIONS, HTTP_FUNCTIONS, PUBLISHES, RELAY_SUBSCRIPTION

pytestmark = pytest.mark.unit

hcl2 = pytest.importorskip(
    "hcl2", reason="python-hcl2 8.x parses the Terraform files (pip install python-hcl2==8.1.4)"
)

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "terraform"
FUNCTIONS_DIR = REPO / "functions"
MODULES = TERRAFORM / "modules"
ENVIRONMENTS = ("dev", "prod")

EXPECTED_MODULES = {
    "project_services",
    "pubsub",
    "storage",
    "secrets",
    "database",
    "functions",
    "relay",
    "hosting",
    "observability",
}
EXPECTED_TOPICS = {
    "voice-utterance",
    "voice-transcript",
    "agent-reply",
    "session-outbound",
    "monitor-events",
}
# subscription name -> (topic, function)
EXPECTED_PUSH = {
    "stt-voice-utterance": ("voice-utterance", "stt"),
    "agent-turn-voice-transcript": ("voice-transcript", "agent_turn"),
    "tts-agent-reply": ("agent-reply", "tts"),
    "monitor-monitor-events": ("monitor-events", "monitor"),
}
# Every function Terraform deploys is either fed by a subscription or reached over HTTP.
EXPECTED_ENTRY_POINTS = {s.function: s.deployed_entry_point for s in FUNCTION_SUBSCRIPTIONS} | {
    h.function: h.entry_point for h in HTTP_FUNCTIONS
}
PUSHED = {s.function for s in FUNCTION_SUBSCRIPTIONS}
EXPECTED_SECRETS = {
    "CONVONET_DB_PASSWORD",
    "CONVONET_PIN_PEPPER",
    "CONVONET_OPERATOR_PASSWORD_HASH",
    "CONVONET_OPERATOR_SESSION_KEY",
    "CONVONET_TOOLS_CALLER_KEY",
    "CONVONET_GOOGLE_CALENDAR_CLIENT_SECRET",
    "CONVONET_GOOGLE_CALENDAR_REFRESH_TOKEN",
    "CONVONET_SUITECRM_CLIENT_SECRET",
    "CONVONET_SUITECRM_PASSWORD",
    "DEEPGRAM_API_KEY",
    "ANTHROPIC_API_KEY",
    "OPENAI_API_KEY",
    "GEMINI_API_KEY",
    "TWILIO_AUTH_TOKEN",
}
REQUIRED_APIS = {
    "run.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudbuild.googleapis.com",
    "pubsub.googleapis.com",
    "firestore.googleapis.com",
    "sqladmin.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "firebase.googleapis.com",
    "firebasehosting.googleapis.com",
    "artifactregistry.googleapis.com",
    "cloudscheduler.googleapis.com",  # hanok's reminders
}
# Roles that must never be granted: they carry far more than any Convonet service needs.
FORBIDDEN_ROLES = {
    "roles/owner",
    "roles/editor",
    "roles/viewer",
    "roles/pubsub.editor",
    "roles/pubsub.admin",
    "roles/iam.serviceAccountAdmin",
    "roles/iam.serviceAccountUser",
    "roles/secretmanager.admin",
    "roles/storage.admin",
    "roles/run.admin",
    "roles/cloudsql.admin",
}


# --------------------------------------------------------------------------- parsing helpers


class Config:
    """The merged blocks of every .tf file in one directory."""

    def __init__(self, directory: Path) -> None:
        options = hcl2.SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
        self.directory = directory
        self.text = ""
        self.resources: dict[tuple[str, str], dict[str, Any]] = {}
        self.data: dict[tuple[str, str], dict[str, Any]] = {}
        self.ephemerals: dict[tuple[str, str], dict[str, Any]] = {}
        self.variables: dict[str, dict[str, Any]] = {}
        self.outputs: dict[str, dict[str, Any]] = {}
        self.locals: dict[str, Any] = {}
        self.modules: dict[str, dict[str, Any]] = {}
        self.terraform: list[dict[str, Any]] = []
        self.providers: list[dict[str, Any]] = []
        for path in sorted(directory.glob("*.tf")):
            text = path.read_text()
            self.text += text
            with path.open() as handle:
                parsed = hcl2.load(handle, serialization_options=options)
            for kind, target in (
                ("resource", self.resources),
                ("data", self.data),
                ("ephemeral", self.ephemerals),
            ):
                for entry in parsed.get(kind, []):
                    for type_name, named in entry.items():
                        for name, body in named.items():
                            assert (type_name, name) not in target, f"duplicate {type_name}.{name}"
                            target[(type_name, name)] = body
            for entry in parsed.get("variable", []):
                self.variables.update(entry)
            for entry in parsed.get("output", []):
                self.outputs.update(entry)
            for entry in parsed.get("locals", []):
                self.locals.update({k: v for k, v in entry.items() if not k.startswith("__")})
            for entry in parsed.get("module", []):
                self.modules.update(entry)
            self.terraform.extend(parsed.get("terraform", []))
            self.providers.extend(parsed.get("provider", []))

    def resource(self, type_name: str, name: str) -> dict[str, Any]:
        assert (type_name, name) in self.resources, f"{self.directory.name}: no {type_name}.{name}"
        return self.resources[(type_name, name)]

    def resources_of(self, type_name: str) -> dict[str, dict[str, Any]]:
        return {name: body for (kind, name), body in self.resources.items() if kind == type_name}

    def default(self, expression: str) -> Any:
        """Resolve "${var.x}" to the variable's default."""
        match = re.fullmatch(r"\$\{var\.(\w+)\}", expression)
        assert match, f"expected a plain variable reference, got {expression!r}"
        variable = self.variables[match.group(1)]
        assert "default" in variable, f"var.{match.group(1)} has no default"
        return variable["default"]


@cache
def module(name: str) -> Config:
    return Config(MODULES / name)


@cache
def environment(name: str) -> Config:
    return Config(TERRAFORM / "environments" / name)


def all_configs() -> list[Config]:
    return [module(name) for name in sorted(EXPECTED_MODULES)] + [
        environment(name) for name in ENVIRONMENTS
    ]


def walk_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in walk_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in walk_strings(v)]
    return []


def block(body: dict[str, Any], name: str) -> dict[str, Any]:
    """The single nested block `name` of a resource body."""
    blocks = body.get(name)
    assert isinstance(blocks, list) and len(blocks) == 1, f"expected one {name} block"
    first: dict[str, Any] = blocks[0]
    return first


def dynamic_block(body: dict[str, Any], name: str) -> dict[str, Any]:
    matches: list[dict[str, Any]] = [
        entry[name] for entry in body.get("dynamic", []) if name in entry
    ]
    assert len(matches) == 1, f"expected one dynamic {name} block"
    return matches[0]


def seconds(duration: str) -> int:
    match = re.fullmatch(r"(\d+)s", duration)
    assert match, f"not a duration in seconds: {duration!r}"
    return int(match.group(1))


def functions_table() -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = module("functions").locals["functions"]
    return table


# The one function resource (functions.tf): every function, in any order.
FUNCTION_RESOURCES = {"function": "${local.functions}"}


def function_resources() -> dict[str, dict[str, Any]]:
    functions = module("functions")
    return {
        name: functions.resource("google_cloudfunctions2_function", name)
        for name in FUNCTION_RESOURCES
    }


# --------------------------------------------------------------------------- formatting and layout


def test_terraform_fmt_is_clean() -> None:
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform binary not on PATH; `terraform fmt -check` cannot run")
    result = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", "-diff", str(TERRAFORM)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, f"terraform fmt would change:\n{result.stdout}{result.stderr}"


def test_modules_are_split_by_concern_with_variables_outputs_and_versions() -> None:
    assert {path.name for path in MODULES.iterdir() if path.is_dir()} == EXPECTED_MODULES
    for name in EXPECTED_MODULES:
        files = {path.name for path in (MODULES / name).glob("*.tf")}
        assert {"variables.tf", "outputs.tf", "versions.tf"} <= files, name
        assert module(name).resources, f"module {name} creates nothing"


def test_every_variable_has_a_type_and_a_description() -> None:
    for config in all_configs():
        assert config.variables or config.directory.name == "secrets"
        for name, variable in config.variables.items():
            where = f"{config.directory.relative_to(TERRAFORM)}: variable {name}"
            assert variable.get("type"), f"{where} has no type"
            description = variable.get("description")
            assert isinstance(description, str) and len(description) > 10, f"{where}: description"


def test_every_output_has_a_description() -> None:
    for config in all_configs():
        assert config.outputs, f"{config.directory} has no outputs"
        for name, output in config.outputs.items():
            assert output.get("description"), f"{config.directory.name}: output {name}"


def test_references_point_at_declared_variables_and_locals() -> None:
    for config in all_configs():
        where = config.directory.relative_to(TERRAFORM)
        for name in set(re.findall(r"\bvar\.(\w+)", config.text)):
            assert name in config.variables, f"{where}: var.{name} is not declared"
        for name in set(re.findall(r"\blocal\.(\w+)", config.text)):
            assert name in config.locals, f"{where}: local.{name} is not declared"


# --------------------------------------------------------------------------- Pub/Sub


def test_every_topic_has_a_dead_letter_topic_and_a_hold_subscription() -> None:
    pubsub = module("pubsub")
    assert set(pubsub.locals["topics"]) == EXPECTED_TOPICS

    topic = pubsub.resource("google_pubsub_topic", "topic")
    dead_letter = pubsub.resource("google_pubsub_topic", "dead_letter")
    hold = pubsub.resource("google_pubsub_subscription", "dead_letter_hold")
    agent_grant = pubsub.resource("google_pubsub_topic_iam_member", "dead_letter_publisher")

    every_topic = "${toset(local.topics)}"
    for body in (topic, dead_letter, hold, agent_grant):
        assert body["for_each"] == every_topic

    assert topic["name"] == "${each.key}"
    assert seconds(pubsub.default(topic["message_retention_duration"])) >= 3600
    assert dead_letter["name"] == "${each.key}-dead-letter"
    assert hold["name"] == "${each.key}-dead-letter-hold"
    assert hold["topic"] == "${google_pubsub_topic.dead_letter[each.key].id}"
    assert seconds(pubsub.default(hold["message_retention_duration"])) == 7 * 24 * 3600
    assert block(hold, "expiration_policy")["ttl"] == "", "hold subscriptions must never expire"
    assert "push_config" not in hold

    assert agent_grant["role"] == "roles/pubsub.publisher"
    assert agent_grant["topic"] == "${google_pubsub_topic.dead_letter[each.key].name}"
    assert "gcp-sa-pubsub.iam.gserviceaccount.com" in pubsub.locals["pubsub_service_agent"]


def test_push_subscriptions_feed_the_pipeline_functions() -> None:
    table = functions_table()
    pushed = {
        fn["subscription"]: (fn["push_topic"], name)
        for name, fn in table.items()
        if fn["push_topic"] is not None
    }
    assert pushed == EXPECTED_PUSH
    ordered = {name for name, fn in table.items() if fn["ordered"]}
    assert ordered == {s.function for s in FUNCTION_SUBSCRIPTIONS if s.ordered}
    assert "push_topic != null" in module("functions").locals["pushed_functions"]


def test_publisher_grants_follow_the_code_table() -> None:
    """shared/topics.py PUBLISHES is the one source; Terraform grants exactly that."""
    table = functions_table()
    for deployable, topics in PUBLISHES.items():
        if deployable == "relay":
            grant = module("relay").resource("google_pubsub_topic_iam_member", "publisher")
            granted = set(re.findall(r'"([a-z-]+)"', grant["for_each"]))
        else:
            granted = set(table[deployable]["publishes"])
        assert granted == set(topics), deployable
    grants = module("functions").locals["publisher_grants"]
    assert "fn.publishes" in grants


def test_pushed_functions_may_dead_letter_what_they_cannot_parse() -> None:
    grant = module("functions").resource("google_pubsub_topic_iam_member", "dead_letter_publisher")
    assert grant["for_each"] == "${local.pushed_functions}"
    assert grant["topic"] == "${var.dead_letter_topic_ids[each.value.push_topic]}"
    assert grant["role"] == "roles/pubsub.publisher"
    assert grant["member"] == "${google_service_account.function[each.key].member}"


def test_every_push_subscription_dead_letters_and_retries() -> None:
    functions = module("functions")
    subscriptions = functions.resources_of("google_pubsub_subscription")
    assert subscriptions, "no push subscriptions"
    for name, body in subscriptions.items():
        assert body["for_each"] == "${local.pushed_functions}", name
        assert body["ack_deadline_seconds"] == 60
        assert body["enable_message_ordering"] == "${each.value.ordered}"
        assert block(body, "expiration_policy")["ttl"] == ""

        policy = block(body, "dead_letter_policy")
        assert policy["max_delivery_attempts"] == 5
        assert policy["dead_letter_topic"] == "${var.dead_letter_topic_ids[each.value.push_topic]}"

        retry = block(body, "retry_policy")
        assert seconds(retry["minimum_backoff"]) == 1
        assert seconds(retry["maximum_backoff"]) == 60

        push = block(body, "push_config")
        assert "local.deployed_functions[each.key]" in push["push_endpoint"]
        token = block(push, "oidc_token")
        assert token["service_account_email"] == "${google_service_account.push_invoker.email}"
        assert token["audience"] == push["push_endpoint"]

    # Dead-lettering needs the Pub/Sub service agent as subscriber on each source subscription.
    grant = functions.resource("google_pubsub_subscription_iam_member", "dead_letter_subscriber")
    assert grant["for_each"] == "${local.pushed_functions}"
    assert grant["role"] == "roles/pubsub.subscriber"
    assert grant["member"] == "serviceAccount:${var.pubsub_service_agent}"
    invoker = functions.resource("google_cloud_run_v2_service_iam_member", "push_invoker")
    assert invoker["for_each"] == "${local.pushed_functions}"
    assert invoker["role"] == "roles/run.invoker"


# --------------------------------------------------------------------------- functions


def test_one_function_per_folder_with_its_entry_point() -> None:
    functions = module("functions")
    table = functions_table()
    assert {name: fn["entry_point"] for name, fn in table.items()} == EXPECTED_ENTRY_POINTS
    assert functions.variables["runtime"]["default"] == "python311"

    for name, function in function_resources().items():
        assert function["for_each"] == FUNCTION_RESOURCES[name]
        build = block(function, "build_config")
        assert build["runtime"] == "${var.runtime}"
        assert build["entry_point"] == "${each.value.entry_point}"
        storage = block(block(build, "source"), "storage_source")
        assert storage["bucket"] == "${var.source_bucket}"
        assert "${each.key}.zip" in storage["object"]


def test_every_function_runs_as_its_own_service_account() -> None:
    functions = module("functions")
    for function in function_resources().values():
        service = block(function, "service_config")
        assert (
            service["service_account_email"] == "${google_service_account.function[each.key].email}"
        )

    accounts = functions.resource("google_service_account", "function")
    assert accounts["for_each"] == "${local.functions}", "one account per function"
    assert accounts["account_id"] == "convonet-fn-${local.service_names[each.key]}"

    account_ids = [f"convonet-fn-{name.replace('_', '-')}" for name in functions_table()]
    other_ids = [
        body["account_id"]
        for config in all_configs()
        for (kind, name), body in config.resources.items()
        if kind == "google_service_account"
        and (config.directory.name, name) != ("functions", "function")
    ]
    every_id = account_ids + other_ids
    assert len(set(every_id)) == len(every_id), f"service accounts shared: {every_id}"
    for account_id in every_id:
        assert re.fullmatch(r"[a-z][a-z0-9-]{4,28}[a-z0-9]", account_id), account_id

    for config in all_configs():
        assert "developer.gserviceaccount.com" not in config.text, "default compute SA in use"
        assert "appspot.gserviceaccount.com" not in config.text, "App Engine default SA in use"


def test_pushed_functions_are_internal_and_secrets_come_from_secret_manager() -> None:
    functions = module("functions")
    for function in function_resources().values():
        service = block(function, "service_config")
        assert service["ingress_settings"] == (
            '${each.value.push_topic != null ? "ALLOW_INTERNAL_ONLY" : "ALLOW_ALL"}'
        )
        secrets = dynamic_block(service, "secret_environment_variables")
        assert secrets["for_each"] == "${toset(local.function_secrets[each.key])}"
        assert block(secrets, "content")["version"] == "latest"

    public = functions.variables["public_http_functions"]["default"]
    assert not set(public) & PUSHED

    referenced = {s for fn in functions_table().values() for s in fn["secrets"]}
    assert referenced <= set(module("secrets").locals["secrets"])


def test_function_environment_points_at_cloud_resources() -> None:
    functions = module("functions")
    common = functions.locals["common_environment"]
    assert common["CONVONET_ENV"] == "${var.runtime_environment}"
    assert functions.variables["runtime_environment"]["default"] == "production"
    assert {"GOOGLE_CLOUD_PROJECT", "CONVONET_AUDIO_BUCKET"} <= set(common)
    database = functions.locals["database_environment"]
    assert database["CONVONET_DB_HOST"] == "/cloudsql/${var.db_connection_name}"
    assert {"CONVONET_DB_NAME", "CONVONET_DB_USER"} <= set(database)
    database_functions = {name for name, fn in functions_table().items() if fn["database"]}
    for name in database_functions:
        assert "CONVONET_DB_PASSWORD" in functions_table()[name]["secrets"], name
    attach = functions.resource("terraform_data", "cloudsql_connection")
    assert attach["for_each"] == "${local.database_functions}"


def test_one_function_resource_deploys_every_function_in_any_order() -> None:
    """Callers connect lazily and retry, so nothing orders callers after their callees."""
    functions = module("functions")
    resources = [
        name for kind, name in functions.resources if kind == "google_cloudfunctions2_function"
    ]
    assert resources == ["function"]
    function = functions.resource("google_cloudfunctions2_function", "function")
    assert function["for_each"] == "${local.functions}"
    assert set(function["depends_on"]) == {
        "${google_secret_manager_secret_iam_member.accessor}",
        "${google_project_iam_member.build}",
        "${google_storage_bucket_iam_member.build_source_reader}",
    }
    assert functions.locals["deployed_functions"] == "${google_cloudfunctions2_function.function}"
    assert "moved" not in functions.text
    for local in ("backend_functions", "calling_functions"):
        assert local not in functions.locals
    # Everything else refers to the functions through deployed_functions.
    for path in (MODULES / "functions").glob("*.tf"):
        if path.name in {"functions.tf", "locals.tf"}:
            continue
        assert "google_cloudfunctions2_function." not in path.read_text(), path.name


# --------------------------------------------------------------------------- functions/ and code


def _module_functions(path: Path) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _decorators(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    return {ast.unparse(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list}


def test_every_function_in_terraform_has_its_folder_entry_point_and_requirements() -> None:
    table = functions_table()
    folders = {p.name for p in FUNCTIONS_DIR.iterdir() if (p / "main.py").is_file()}
    assert set(table) <= folders, f"no folder (so no bundle) for {set(table) - folders}"
    assert folders <= set(table), f"folders Terraform does not deploy: {folders - set(table)}"
    for name, fn in table.items():
        folder = FUNCTIONS_DIR / name
        defined = _module_functions(folder / "main.py")
        entry = fn["entry_point"]
        assert entry in defined, f"functions/{name}/main.py defines no function {entry}"
        decorators = _decorators(defined[entry])
        if fn["push_topic"] is None:
            assert decorators & {"functions_framework.http", "functions_framework.aio.http"}, (
                name,
                decorators,
            )
        else:
            assert decorators & {
                "functions_framework.cloud_event",
                "functions_framework.http",
                "functions_framework.aio.http",
            }
        requirements = (folder / "requirements.txt").read_text()
        pinned = {
            line.split("==")[0].strip().lower()
            for line in requirements.splitlines()
            if line.strip() and not line.startswith("#")
        }
        assert "functions-framework" in pinned, name
        if fn["database"]:
            assert "pg8000" in pinned, f"{name} connects to PostgreSQL without pg8000"
        if fn["publishes"]:
            assert "google-cloud-pubsub" in pinned, f"{name} publishes without google-cloud-pubsub"
        if fn["push_topic"] is None:
            # It verifies its callers' identity tokens (shared/service_auth.py IdentityToken:
            # google.oauth2.id_token over google.auth.transport.requests), which google-cloud-pubsub
            # brings along; without either, every production request fails.
            packages = {package.split("[")[0] for package in pinned}
            assert {"google-auth", "requests"} <= packages or "google-cloud-pubsub" in packages, (
                f"{name} checks identity tokens without google-auth and requests"
            )


def test_http_functions_match_the_code_table() -> None:
    table = functions_table()
    for http in HTTP_FUNCTIONS:
        assert http.function in table, f"{http.function} is not deployed"
        fn = table[http.function]
        assert fn["entry_point"] == http.entry_point
        assert fn["push_topic"] is None and fn["subscription"] is None
    http_names = {h.function for h in HTTP_FUNCTIONS}
    assert {name for name, fn in table.items() if fn["push_topic"] is None} == http_names
    assert {name for name, fn in table.items() if fn["push_topic"] is not None} == PUSHED


@pytest.mark.parametrize("http", HTTP_FUNCTIONS, ids=lambda h: h.function)
def test_only_the_callers_of_an_http_function_may_invoke_it(http: Any) -> None:
    functions = module("functions")
    table = functions_table()
    invoking = {name for name, fn in table.items() if http.function in fn["invokes"]}
    assert invoking == set(http.callers), "Terraform's invokes differ from HTTP_FUNCTIONS callers"

    # run.invoker on it: one grant per caller, to the caller's own service account...
    grants = functions.locals["invoker_grants"]
    assert "fn.invokes" in grants
    caller = functions.resource("google_cloud_run_v2_service_iam_member", "caller")
    assert caller["for_each"] == "${local.invoker_grants}"
    assert caller["role"] == "roles/run.invoker"
    assert caller["member"] == "${google_service_account.function[each.value.caller].member}"
    assert caller["name"] == (
        "${local.deployed_functions[each.value.target].service_config[0].service}"
    )
    # ...and nobody else unless the table makes it public (hanok: Twilio and Hosting cannot
    # attach identity tokens, so the app's own caller check is the guard): never public by
    # configuration, and the push invoker only reaches pushed functions.
    for config in (functions, environment("dev"), environment("prod")):
        assert http.function not in config.variables["public_http_functions"]["default"]
    validation = functions.variables["public_http_functions"]["validation"][0]["condition"]
    if table[http.function]["public"]:
        assert http.function in PUBLIC_BY_DESIGN
    else:
        assert f'"{http.function}"' in validation, "making it public must be refused"
    push = functions.resource("google_cloud_run_v2_service_iam_member", "push_invoker")
    assert push["for_each"] == "${local.pushed_functions}"
    invokers = [
        (name, body)
        for (kind, name), body in functions.resources.items()
        if kind == "google_cloud_run_v2_service_iam_member" and body["role"] == "roles/run.invoker"
    ]
    assert {name for name, _ in invokers} == {"caller", "push_invoker", "public"}


# HTTP functions reached by callers that cannot attach Google identity tokens (Twilio's
# webhooks, guests' browsers through Firebase Hosting's rewrites): public at the IAM level,
# authenticating every request in the application.
# hanok: Twilio and guests' browsers through Hosting; operator: operators' browsers through
# Hosting and its live feed. Both authenticate every request themselves.
PUBLIC_BY_DESIGN = {"hanok", "operator"}


def test_only_the_functions_twilio_and_hosting_reach_are_public() -> None:
    functions = module("functions")
    table = functions_table()
    assert {name for name, fn in table.items() if fn["public"]} == PUBLIC_BY_DESIGN
    assert not PUBLIC_BY_DESIGN & PUSHED
    public = functions.resource("google_cloud_run_v2_service_iam_member", "public")
    assert public["role"] == "roles/run.invoker"
    assert public["member"] == "allUsers"
    assert "[for name, fn in local.http_functions : name if fn.public]" in public["for_each"]
    assert "var.public_http_functions" in public["for_each"]
    # Why it is public is written down beside the grant and the table entry.
    iam_text = (MODULES / "functions" / "iam.tf").read_text()
    locals_text = (MODULES / "functions" / "locals.tf").read_text()
    assert "cannot attach Google ID tokens" in iam_text
    assert "Public at the IAM level" in locals_text
    # The pages rewrite to exactly these functions: Hosting forwards no identity token.
    rewrites = json.loads((REPO / "hosting" / "firebase.json").read_text())["hosting"]["rewrites"]
    rewritten = {rule["function"]["functionId"] for rule in rewrites if "function" in rule}
    assert rewritten == PUBLIC_BY_DESIGN


def test_callers_are_told_where_the_function_is_and_it_whom_to_accept() -> None:
    functions = module("functions")
    locals_text = (MODULES / "functions" / "locals.tf").read_text()
    callers = functions.locals["callers"]
    assert "contains(other.invokes, name)" in callers
    caller_env = functions.locals["caller_environment"]
    assert '"CONVONET_${upper(name)}_AUDIENCE" = local.service_urls[name]' in caller_env
    assert (
        '"CONVONET_${upper(name)}_ALLOWED_CALLERS" = join(",", concat([for caller in callers : '
        "google_service_account.function[caller].email], lookup(local.other_callers, name, [])))"
    ) in re.sub(r"\s*\n\s*", " ", caller_env).replace("( ", "(").replace(", )", ")")
    environment_expr = functions.locals["function_environment"]
    assert "local.caller_environment[name]" in environment_expr
    assert (
        '"CONVONET_${upper(target)}_URL" => "${local.service_urls[target]}'
        '${local.functions[target].endpoint}"'
    ) in environment_expr
    assert "google_calendar_client_id" in locals_text

    # The tools endpoint is where the server serves MCP and what agent_turn expects.
    from shared.mcp_server.server import MCP_PATH as mcp_path
    from shared.settings import AgentSettings

    table = functions_table()
    assert table["tools"]["endpoint"] == mcp_path == "/mcp"
    assert str(AgentSettings.model_fields["tools_url"].default).endswith(mcp_path)
    # The CRM's routes (/patient/search, ...) hang off its URL: its callers append nothing.
    assert table["crm"]["endpoint"] == ""
    # agent_turn, hanok's one caller among the functions, calls its MCP server.
    assert table["hanok"]["endpoint"] == mcp_path
    for name, fn in table.items():
        if name not in {h.function for h in HTTP_FUNCTIONS}:
            assert fn["endpoint"] == "", name


def test_tools_and_agent_turn_access() -> None:
    table = functions_table()
    tools, agent = table["tools"], table["agent_turn"]
    assert set(tools["publishes"]) == set(PUBLISHES["tools"]) == {"monitor-events"}
    assert set(tools["secrets"]) == {
        "CONVONET_DB_PASSWORD",
        "CONVONET_TOOLS_CALLER_KEY",
        "CONVONET_GOOGLE_CALENDAR_CLIENT_SECRET",
        "CONVONET_GOOGLE_CALENDAR_REFRESH_TOKEN",
    }
    assert (tools["database"], tools["firestore"], tools["invokes"]) == (True, False, ["crm"])
    assert agent["invokes"] == ["tools", "hanok"]
    assert agent["database"] is False
    assert "CONVONET_TOOLS_CALLER_KEY" in agent["secrets"]
    assert "CONVONET_DB_PASSWORD" not in agent["secrets"]


SUITECRM_SECRETS = {"CONVONET_SUITECRM_CLIENT_SECRET", "CONVONET_SUITECRM_PASSWORD"}


def test_crm_access() -> None:
    crm = functions_table()["crm"]
    assert set(crm["publishes"]) == set(PUBLISHES["crm"]) == set()
    assert set(crm["secrets"]) == {"CONVONET_DB_PASSWORD"} | SUITECRM_SECRETS
    assert (crm["database"], crm["firestore"], crm["invokes"]) == (True, False, [])
    assert crm["audio_role"] is None
    assert crm["memory"] == "512Mi"
    assert "suitecrm_url" in (MODULES / "functions" / "locals.tf").read_text()
    for name, fn in functions_table().items():
        if name != "crm":
            assert not SUITECRM_SECRETS & set(fn["secrets"]), name


def test_hanok_access() -> None:
    """Cloud SQL (its hanok schema), the secrets it reads (the caller key its MCP server checks
    tool calls with, the database password, the Twilio auth token its webhooks are signed
    with), monitor-events for its tool calls, and nothing else."""
    table = functions_table()
    hanok = table["hanok"]
    assert set(hanok["publishes"]) == set(PUBLISHES["hanok"]) == {"monitor-events"}
    assert set(hanok["secrets"]) == {
        "CONVONET_DB_PASSWORD",
        "CONVONET_TOOLS_CALLER_KEY",
        "TWILIO_AUTH_TOKEN",
    }
    assert (hanok["database"], hanok["firestore"], hanok["invokes"]) == (True, False, [])
    assert hanok["audio_role"] is None
    assert hanok["public"] is True
    for name, fn in table.items():
        if name != "hanok":
            assert "TWILIO_AUTH_TOKEN" not in fn["secrets"], name
    callers_of_the_key = {
        name for name, fn in table.items() if "CONVONET_TOOLS_CALLER_KEY" in fn["secrets"]
    }
    assert callers_of_the_key == {"agent_turn", "tools", "hanok"}


def test_only_database_functions_get_the_database_password() -> None:
    for name, fn in functions_table().items():
        assert ("CONVONET_DB_PASSWORD" in fn["secrets"]) == fn["database"], name


def test_per_function_settings_name_deployed_functions() -> None:
    table = functions_table()
    for name in ENVIRONMENTS:
        config = environment(name)
        for variable in ("function_min_instances",):
            if variable in config.variables:
                unknown = set(config.variables[variable]["default"]) - set(table)
                assert not unknown, f"{name}: {variable} names {unknown}"


# --------------------------------------------------------------------------- evaluated locals

# What the provider would know; replaced in a copy of the module's locals so `terraform console`
# can evaluate them without it.
STUB_PROJECT = "convonet-stub"
STUB_PROJECT_NUMBER = "123456789012"
STUB_REGION = "us-central1"
STUB_HOSTING_URL = "https://convonet-stub.web.app"
STUB_PUSH_INVOKER_EMAIL = "push-invoker@stub-project.iam.gserviceaccount.com"
STUB_SCHEDULER_EMAIL = f"convonet-hanok-scheduler@{STUB_PROJECT}.iam.gserviceaccount.com"
STUB_VARIABLES = {
    "project_id": STUB_PROJECT,
    "region": STUB_REGION,
    "hosting_url": STUB_HOSTING_URL,
    "audio_bucket": "convonet-stub-audio",
    "db_connection_name": f"{STUB_PROJECT}:{STUB_REGION}:convonet",
    "db_name": "convonet",
    "db_user": "convonet",
}


def _locals_block(text: str) -> str:
    start = text.index("locals {")
    end = text.index("\n}\n", start) + 3
    return text[start:end]


def _console(inputs: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`terraform console` on a copy of the module's locals and variables (the provider's values
    stubbed), printing the locals the tests read as one JSON string."""
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform binary not on PATH; the locals cannot be evaluated")
    import tempfile

    source = (MODULES / "functions" / "locals.tf").read_text()
    source += "\n" + _locals_block((MODULES / "functions" / "iam.tf").read_text())
    stubs = [
        (r"data\.google_project\.project\.number", f'"{STUB_PROJECT_NUMBER}"'),
        (r"google_service_account\.function\[(\w+)\]\.email", r"local.stub_emails[\1]"),
        (r"google_service_account\.hanok_scheduler\.email", f'"{STUB_SCHEDULER_EMAIL}"'),
        (r"google_service_account\.push_invoker\.email", f'"{STUB_PUSH_INVOKER_EMAIL}"'),
        (r'data "google_project" "project" \{[^}]*\}', ""),
        (
            r"deployed_functions = google_cloudfunctions2_function\.function\b",
            "deployed_functions = {}",
        ),
    ]
    for pattern, replacement in stubs:
        source, count = re.subn(pattern, replacement, source)
        assert count, f"stub {pattern} matched nothing: update the test"
    assert not re.search(r"\b(google_\w+|data)\.\w+\.\w+", source), "unstubbed reference"
    stub_emails = (
        "locals {\n  stub_emails = { for name, service in local.service_names : "
        f'name => "convonet-fn-${{service}}@{STUB_PROJECT}.iam.gserviceaccount.com" }}\n}}\n'
    )
    variables = module("functions").text
    declared = "".join(
        match.group(0) for match in re.finditer(r'(?ms)^variable "\w+" \{.*?^\}\n', variables)
    )
    with tempfile.TemporaryDirectory() as directory:
        Path(directory, "locals.tf").write_text(source + stub_emails)
        Path(directory, "variables.tf").write_text(declared)
        expression = (
            "jsonencode({functions = tomap(local.functions), environment = "
            "local.function_environment, callers = local.callers, invoker_grants = "
            "local.invoker_grants, secrets = local.function_secrets, secret_grants = "
            "local.secret_grants})"
        )
        argv = [terraform, "console"]
        for key, value in {**STUB_VARIABLES, **inputs}.items():
            argv += ["-var", f"{key}={value}"]
        env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
        return subprocess.run(
            argv,
            input=expression + "\n",
            cwd=directory,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            env=env,
        )


SUITECRM_VARIABLES = ("suitecrm_url", "suitecrm_client_id", "suitecrm_username")
TWILIO_VARIABLES = ("twilio_account_sid", "twilio_from_number")


@cache
def evaluated_locals(
    calendar_client_id: str = "",
    suitecrm: tuple[str, str, str] = ("", "", ""),
    twilio: tuple[str, str] = ("", ""),
) -> dict[str, Any]:
    """The module's locals as Terraform computes them, for the stub inputs above (suitecrm: its
    URL, client id and username; twilio: the account SID and the number reminders come from)."""
    inputs = {
        "google_calendar_client_id": calendar_client_id,
        **dict(zip(SUITECRM_VARIABLES, suitecrm, strict=True)),
        **dict(zip(TWILIO_VARIABLES, twilio, strict=True)),
    }
    result = _console(inputs)
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip().splitlines()[-1]
    evaluated: dict[str, Any] = json.loads(json.loads(line))
    return evaluated


def test_evaluated_callers_and_invoker_grants_follow_the_code_table() -> None:
    evaluated = evaluated_locals()
    assert set(evaluated["functions"]) == set(functions_table())
    for http in HTTP_FUNCTIONS:
        assert evaluated["callers"][http.function] == sorted(http.callers)
    assert evaluated["invoker_grants"] == {
        f"{caller}/{http.function}": {"caller": caller, "target": http.function}
        for http in HTTP_FUNCTIONS
        for caller in http.callers
    }


def test_a_function_can_be_both_a_callee_and_a_caller() -> None:
    """tools is called by agent_turn and calls crm: both grants exist and name the right
    services, and tools is told both whom to accept and where crm is."""
    evaluated = evaluated_locals()
    grants = evaluated["invoker_grants"]
    assert grants["agent_turn/tools"] == {"caller": "agent_turn", "target": "tools"}
    assert grants["tools/crm"] == {"caller": "tools", "target": "crm"}
    assert evaluated["callers"]["tools"] == ["agent_turn"]
    assert evaluated["callers"]["crm"] == ["tools"]
    tools = evaluated["environment"]["tools"]
    assert tools["CONVONET_TOOLS_ALLOWED_CALLERS"] == (
        f"convonet-fn-agent-turn@{STUB_PROJECT}.iam.gserviceaccount.com"
    )
    assert tools["CONVONET_CRM_URL"] == (f"https://crm-{STUB_PROJECT_NUMBER}.{STUB_REGION}.run.app")
    # The grant resource names its target through the one function resource, whichever way
    # round the target calls others.
    caller = module("functions").resource("google_cloud_run_v2_service_iam_member", "caller")
    assert caller["name"] == (
        "${local.deployed_functions[each.value.target].service_config[0].service}"
    )
    assert module("functions").locals["deployed_functions"] == (
        "${google_cloudfunctions2_function.function}"
    )


def test_evaluated_environment_of_tools_and_its_callers() -> None:
    environment_of = evaluated_locals()["environment"]
    tools_url = f"https://tools-{STUB_PROJECT_NUMBER}.{STUB_REGION}.run.app"
    tools = environment_of["tools"]
    assert tools["CONVONET_TOOLS_AUDIENCE"] == tools_url
    assert tools["CONVONET_TOOLS_ALLOWED_CALLERS"] == (
        f"convonet-fn-agent-turn@{STUB_PROJECT}.iam.gserviceaccount.com"
    )
    assert tools["CONVONET_DB_HOST"] == f"/cloudsql/{STUB_VARIABLES['db_connection_name']}"
    assert "CONVONET_GOOGLE_CALENDAR_CLIENT_ID" not in tools  # unset unless configured
    agent = environment_of["agent_turn"]
    assert agent["CONVONET_TOOLS_URL"] == f"{tools_url}/mcp"
    # agent_turn mints its identity tokens for the tools URL without /mcp: the audience.
    assert agent["CONVONET_TOOLS_URL"].removesuffix("/mcp") == tools["CONVONET_TOOLS_AUDIENCE"]
    assert not any(key.startswith("CONVONET_DB_") for key in agent)
    for name, env in environment_of.items():
        assert env["CONVONET_ENV"] == "production", name
        if name != "tools":
            assert not any(k.startswith("CONVONET_TOOLS_A") for k in env), name


# Callers that are not functions: the reminder job's service account (scheduler.tf).
NON_FUNCTION_CALLERS = {"hanok": [STUB_SCHEDULER_EMAIL]}


@pytest.mark.parametrize("http", HTTP_FUNCTIONS, ids=lambda h: h.function)
def test_evaluated_environment_says_whose_tokens_an_http_function_accepts(http: Any) -> None:
    """Every HTTP function is told its audience (its own URL) and its callers' accounts, even
    while it has none (an empty list, so no token is accepted)."""
    environment_of = evaluated_locals()["environment"]
    prefix = f"CONVONET_{http.function.upper()}"
    url = f"https://{http.function.replace('_', '-')}-{STUB_PROJECT_NUMBER}.{STUB_REGION}.run.app"
    env = environment_of[http.function]
    assert env[f"{prefix}_AUDIENCE"] == url
    assert env[f"{prefix}_ALLOWED_CALLERS"] == ",".join(
        [
            f"convonet-fn-{caller.replace('_', '-')}@{STUB_PROJECT}.iam.gserviceaccount.com"
            for caller in sorted(http.callers)
        ]
        + NON_FUNCTION_CALLERS.get(http.function, [])
    )
    for caller in http.callers:
        assert environment_of[caller][f"{prefix}_URL"].startswith(url), caller
    for name, other in environment_of.items():
        if name != http.function:
            assert f"{prefix}_AUDIENCE" not in other, name
            assert f"{prefix}_ALLOWED_CALLERS" not in other, name
        if name not in http.callers:
            assert f"{prefix}_URL" not in other, name


def test_evaluated_environment_of_crm() -> None:
    crm = evaluated_locals()["environment"]["crm"]
    assert crm["CONVONET_DB_HOST"] == f"/cloudsql/{STUB_VARIABLES['db_connection_name']}"
    assert crm["CONVONET_CRM_ALLOWED_CALLERS"] == (
        f"convonet-fn-tools@{STUB_PROJECT}.iam.gserviceaccount.com"
    )
    assert not any(key.startswith("CONVONET_SUITECRM_") for key in crm)  # built-in CRM
    assert not any(key.endswith("_URL") for key in crm)  # it calls no other function


HANOK_URL = f"https://hanok-{STUB_PROJECT_NUMBER}.{STUB_REGION}.run.app"


def test_evaluated_environment_of_hanok_and_its_callers() -> None:
    environment_of = evaluated_locals()["environment"]
    hanok = environment_of["hanok"]
    assert hanok["CONVONET_DB_HOST"] == f"/cloudsql/{STUB_VARIABLES['db_connection_name']}"
    assert hanok["CONVONET_HANOK_AUDIENCE"] == HANOK_URL
    assert hanok["CONVONET_HANOK_ALLOWED_CALLERS"] == (
        f"convonet-fn-agent-turn@{STUB_PROJECT}.iam.gserviceaccount.com,{STUB_SCHEDULER_EMAIL}"
    )
    # Twilio signs the URL it called: Hosting's, which rewrites to hanok.
    assert hanok["CONVONET_HANOK_PUBLIC_URL"] == STUB_HOSTING_URL
    assert not any(key.startswith("TWILIO_") for key in hanok)  # no reminders configured
    assert not any(key.endswith("_URL") for key in hanok if key != "CONVONET_HANOK_PUBLIC_URL")
    assert environment_of["agent_turn"]["CONVONET_HANOK_URL"] == f"{HANOK_URL}/mcp"
    for name, env in environment_of.items():
        if name != "hanok":
            assert not any(key.startswith(("TWILIO_", "CONVONET_HANOK_P")) for key in env), name


def test_twilio_s_rest_credentials_reach_hanok_only_when_configured() -> None:
    sid, number = "AC" + "0123456789abcdef" * 2, "+14155550188"
    evaluated = evaluated_locals(twilio=(sid, number))
    hanok = evaluated["environment"]["hanok"]
    assert (hanok["TWILIO_ACCOUNT_SID"], hanok["TWILIO_FROM_NUMBER"]) == (sid, number)
    assert "TWILIO_AUTH_TOKEN" in evaluated["secrets"]["hanok"]  # a secret, never plain
    assert "TWILIO_AUTH_TOKEN" not in hanok
    assert evaluated["secrets"]["hanok"] == evaluated_locals()["secrets"]["hanok"]


@pytest.mark.parametrize(
    "twilio",
    [("AC123", "+14155550188"), ("AC" + "0" * 32, ""), ("AC" + "0" * 32, "4155550188")],
    ids=["bad-sid", "no-number", "not-e164"],
)
def test_a_half_configured_twilio_is_refused(twilio: tuple[str, str]) -> None:
    result = _console(dict(zip(TWILIO_VARIABLES, twilio, strict=True)))
    assert result.returncode != 0
    assert "twilio_" in result.stderr, result.stderr


def test_hosting_url_must_be_https() -> None:
    result = _console({"hosting_url": "http://convonet-stub.web.app"})
    assert result.returncode != 0
    assert "hosting_url" in result.stderr, result.stderr


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_environments_give_hanok_the_hosting_url_and_twilio_s_settings(name: str) -> None:
    call = environment(name).modules["functions"]
    assert call["hosting_url"] == "${module.hosting.default_url}"
    assert call["twilio_account_sid"] == "${var.twilio_account_sid}"
    assert call["twilio_from_number"] == "${var.twilio_from_number}"
    assert environment(name).variables["twilio_account_sid"]["default"] == ""


def test_the_scheduler_calls_hanok_s_reminders_with_an_allowed_caller_s_token() -> None:
    """Every 15 minutes, POST <hanok>/webhooks/hanok_table/reminders with an OIDC token of the
    scheduler's own account, minted for the audience hanok checks; that account is among
    hanok's allowed callers and holds no grant at all (hanok is public at the IAM level, so the
    app's check is the guard)."""
    functions = module("functions")
    job = functions.resource("google_cloud_scheduler_job", "hanok_reminders")
    assert job["schedule"] == "*/15 * * * *"
    assert job["paused"] == '${var.twilio_account_sid == ""}'  # no Twilio, no reminders
    assert job["region"] == "${var.region}"
    target = block(job, "http_target")
    assert target["http_method"] == "POST"
    assert target["uri"] == '${local.service_urls["hanok"]}/webhooks/hanok_table/reminders'
    token = block(target, "oidc_token")
    assert token["service_account_email"] == "${google_service_account.hanok_scheduler.email}"
    # Scheduler's default audience would be the whole URI; hanok checks its own URL.
    assert token["audience"] == '${local.service_urls["hanok"]}'
    account = functions.resource("google_service_account", "hanok_scheduler")
    assert account["account_id"] == "convonet-hanok-scheduler"

    other_callers = functions.locals["other_callers"]
    assert other_callers == {"hanok": ["${google_service_account.hanok_scheduler.email}"]}
    evaluated = evaluated_locals()
    hanok = evaluated["environment"]["hanok"]
    assert STUB_SCHEDULER_EMAIL in hanok["CONVONET_HANOK_ALLOWED_CALLERS"].split(",")
    assert hanok["CONVONET_HANOK_AUDIENCE"] == HANOK_URL
    # The reminders path is one Hosting also rewrites to hanok, and the only caller of it that
    # carries a token is this job.
    assert (
        target["uri"]
        .removeprefix('${local.service_urls["hanok"]}')
        .startswith("/webhooks/hanok_table/")
    )

    # No IAM grant names the scheduler's account: it is referenced by the job and the
    # allowed callers only.
    for config in all_configs():
        for (kind, name), body in config.resources.items():
            if (kind, name) in {
                ("google_cloud_scheduler_job", "hanok_reminders"),
                ("google_service_account", "hanok_scheduler"),
            }:
                continue
            assert not any("hanok_scheduler" in text for text in walk_strings(body)), (kind, name)


def _settings_accessors(function: str) -> list[tuple[str, str]]:
    """The settings modules and accessors the function's main.py imports: from shared.settings
    (e.g. agent_settings) or from its own settings modules (functions.crm.settings,
    functions.agent_turn.api_settings)."""
    tree = ast.parse((FUNCTIONS_DIR / function / "main.py").read_text())
    own = f"functions.{function}."
    names = [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module is not None
        and (node.module == "shared.settings" or node.module.startswith(own))
        and node.module.endswith("settings")
        for alias in node.names
        if alias.name.endswith("_settings")
    ]
    assert names, f"{function}/main.py imports no settings accessor"
    return [(str(module), accessor) for module, accessor in names]


@pytest.mark.parametrize("function", sorted(EXPECTED_ENTRY_POINTS))
def test_terraform_environment_satisfies_the_function_settings_in_production(
    function: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What Terraform gives a function (plain environment plus its secrets) is enough for the
    settings its main.py reads: production refuses to start on a missing secret or setting."""
    import importlib

    evaluated = evaluated_locals()
    env = dict(evaluated["environment"][function])
    for secret in evaluated["secrets"][function]:
        env[secret] = f"stub-{secret.lower()}-value"
    for key in list(os.environ):
        if key.startswith(
            ("CONVONET_", "GOOGLE_", "DEEPGRAM_", "ANTHROPIC_", "OPENAI_", "GEMINI_", "TWILIO_")
        ):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for module_name, accessor_name in _settings_accessors(function):
        accessor = getattr(importlib.import_module(module_name), accessor_name)
        settings = accessor.__wrapped__()  # past the lru_cache: read this environment
        assert settings.env == "production"
        assert settings.project_id == STUB_PROJECT


# --------------------------------------------------------------------------- IAM


def test_no_broad_roles_anywhere() -> None:
    for config in all_configs():
        where = config.directory.relative_to(TERRAFORM)
        roles = set()
        for body in config.resources.values():
            for text in walk_strings(body):
                roles.update(re.findall(r"roles/[A-Za-z0-9_.]+", text))
        assert not roles & FORBIDDEN_ROLES, f"{where} grants {roles & FORBIDDEN_ROLES}"
        for kind in ("google_project_iam_binding", "google_project_iam_policy"):
            assert not config.resources_of(kind), f"{where} uses authoritative {kind}"


def test_relay_subscription_role_is_a_narrow_custom_role() -> None:
    relay = module("relay")
    role = relay.resource("google_project_iam_custom_role", "relay_subscriptions")
    assert set(role["permissions"]) == {
        "pubsub.subscriptions.create",
        "pubsub.subscriptions.delete",
        "pubsub.subscriptions.consume",
    }
    grant = relay.resource("google_project_iam_member", "relay_subscriptions")
    assert grant["role"] == "${google_project_iam_custom_role.relay_subscriptions.id}"
    attach = relay.resource("google_pubsub_topic_iam_member", "outbound_attach")
    assert attach["topic"] == f'${{var.topic_ids["{RELAY_SUBSCRIPTION.topic}"]}}'
    # The subscription itself is the instance's (shared.topics.RELAY_SUBSCRIPTION): Terraform
    # must not declare one that would outlive or contradict it.
    assert not relay.resources_of("google_pubsub_subscription")


def test_secret_values_never_pass_through_terraform() -> None:
    assert set(module("secrets").locals["secrets"]) == EXPECTED_SECRETS
    for config in all_configs():
        where = config.directory.relative_to(TERRAFORM)
        assert not config.resources_of("google_secret_manager_secret_version"), where
        assert ("google_secret_manager_secret_version", "db_password") not in config.data, where
        for body in config.resources.values():
            assert "secret_data" not in body, where
    user = module("database").resource("google_sql_user", "app")
    assert "password" not in user, "password would be stored in state; use password_wo"
    assert user["password_wo"].startswith("${ephemeral.google_secret_manager_secret_version.")


# --------------------------------------------------------------------------- storage, relay, state


def test_audio_bucket_is_private_and_expires_objects() -> None:
    storage = module("storage")
    audio = storage.resource("google_storage_bucket", "audio")
    assert audio["public_access_prevention"] == "enforced"
    assert audio["uniform_bucket_level_access"] is True
    assert block(audio, "versioning")["enabled"] is False
    rules = audio["lifecycle_rule"]
    deletes = [rule for rule in rules if block(rule, "action")["type"] == "Delete"]
    assert deletes, "audio bucket has no lifecycle delete rule"
    age = block(deletes[0], "condition")["age"]
    assert int(storage.default(age)) >= 1

    source = storage.resource("google_storage_bucket", "function_source")
    assert source["public_access_prevention"] == "enforced"


def test_relay_keeps_long_sessions_on_one_instance() -> None:
    relay = module("relay")
    service = relay.resource("google_cloud_run_v2_service", "relay")
    template = block(service, "template")
    assert template["session_affinity"] is True
    assert seconds(template["timeout"]) >= 3600
    assert template["service_account"] == "${google_service_account.relay.email}"
    assert int(relay.default(block(template, "scaling")["min_instance_count"])) >= 1
    container = block(template, "containers")
    assert block(container, "ports")["container_port"] == 8080
    environment = relay.locals["environment"]
    assert "CONVONET_RELAY_PORT" in environment
    assert "CONVONET_ENV" in environment
    public = relay.resource("google_cloud_run_v2_service_iam_member", "public")
    assert public["member"] == "allUsers" and public["role"] == "roles/run.invoker"
    assert set(relay.locals["secret_environment"]) == {
        "CONVONET_DB_PASSWORD",
        "CONVONET_PIN_PEPPER",
    }


def test_firestore_has_ttl_policies_and_indexes() -> None:
    database = module("database")
    firestore = database.resource("google_firestore_database", "default")
    assert firestore["name"] == "(default)"
    assert firestore["type"] == "FIRESTORE_NATIVE"
    ttl = database.resource("google_firestore_field", "ttl")
    assert ttl["field"] == "expires_at"
    assert "ttl_config" in ttl
    monitor = {"monitor_events", "monitor_turns", "monitor_stats", "monitor_seen"}
    assert {"sessions", "turns"} | monitor <= set(database.variables["ttl_collections"]["default"])
    indexes = database.resources_of("google_firestore_index")
    assert any(index["collection"] == "turns" for index in indexes.values())
    instance = database.resource("google_sql_database_instance", "postgres")
    assert instance["database_version"] == "POSTGRES_15"
    assert block(block(instance, "settings"), "backup_configuration")["enabled"] is True


def test_required_apis_are_enabled() -> None:
    services = module("project_services")
    assert set(services.locals["services"]) >= REQUIRED_APIS
    enabled = services.resource("google_project_service", "service")
    assert enabled["disable_on_destroy"] is False


# --------------------------------------------------------------------------- observability


def test_log_metrics_dashboard_and_alerts() -> None:
    observability = module("observability")
    latency = observability.resource("google_logging_metric", "turn_latency")
    assert latency["value_extractor"] == "EXTRACT(jsonPayload.turn_latency_ms)"
    assert 'jsonPayload.event="turn_completed"' in latency["filter"]
    assert block(latency, "metric_descriptor")["value_type"] == "DISTRIBUTION"
    errors = observability.resource("google_logging_metric", "errors")
    assert "severity>=ERROR" in errors["filter"]
    assert "service" in errors["label_extractors"]

    dead_letter = observability.resource("google_monitoring_alert_policy", "dead_letter_backlog")
    threshold = block(block(dead_letter, "conditions"), "condition_threshold")
    assert threshold["filter"] == "${local.dead_letter_backlog}"
    assert "num_undelivered_messages" in observability.locals["undelivered_metric"]
    assert "dead_letter_hold_subscriptions" in observability.locals["quoted_hold"]
    assert threshold["comparison"] == "COMPARISON_GT" and threshold["threshold_value"] == 0
    observability.resource("google_monitoring_alert_policy", "error_rate")

    # The dashboard template is valid JSON once its filters (JSON strings) are filled in.
    template = (MODULES / "observability" / "dashboard.json.tftpl").read_text()
    placeholders = set(re.findall(r"\$\{(\w+)\}", template))
    dashboard_tf = (MODULES / "observability" / "dashboard.tf").read_text()
    for name in placeholders:
        assert re.search(rf"\b{name}\s*=", dashboard_tf), f"{name} is not passed to templatefile"
    rendered = re.sub(r"\$\{(\w+)\}", lambda m: json.dumps(f"filter {m.group(1)}"), template)
    dashboard = json.loads(rendered)
    assert len(dashboard["mosaicLayout"]["tiles"]) >= 6


# --------------------------------------------------------------------------- environments


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_environment_uses_a_gcs_backend_and_pins_versions(name: str) -> None:
    config = environment(name)
    backends = [b for t in config.terraform for b in t.get("backend", [])]
    assert backends == [{"gcs": {}}], "expected a partial gcs backend configuration"
    required_version = next(
        t["required_version"] for t in config.terraform if "required_version" in t
    )
    assert re.search(r">=\s*1\.1[1-9]", required_version), required_version
    providers = next(
        t["required_providers"][0] for t in config.terraform if "required_providers" in t
    )
    for provider in ("google", "google-beta"):
        assert providers[provider]["source"] == f"hashicorp/{provider}"
        assert providers[provider]["version"], provider


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_environment_calls_every_module_with_its_inputs(name: str) -> None:
    config = environment(name)
    sources = {}
    for call_name, call in config.modules.items():
        match = re.fullmatch(r"\.\./\.\./modules/(\w+)", call["source"])
        assert match, f"{call_name}: unexpected source {call['source']}"
        sources[call_name] = match.group(1)
    assert set(sources.values()) == EXPECTED_MODULES

    meta = {"source", "depends_on", "providers", "count", "for_each", "version"}
    for call_name, module_name in sources.items():
        target = module(module_name)
        arguments = {a for a in config.modules[call_name] if not a.startswith("__")} - meta
        required = {v for v, body in target.variables.items() if "default" not in body}
        assert required <= arguments, f"{name}/{call_name} misses {required - arguments}"
        unknown = arguments - set(target.variables)
        assert not unknown, f"{name}/{call_name} passes undeclared inputs {unknown}"

    for call_name, output in re.findall(r"\bmodule\.(\w+)\.(\w+)", config.text):
        assert output in module(sources[call_name]).outputs, f"module.{call_name}.{output}"

    expected_outputs = {"relay_url", "function_urls", "hosting_url", "audio_bucket", "topic_names"}
    assert expected_outputs <= set(config.outputs)


CALENDAR_SECRETS = {
    "CONVONET_GOOGLE_CALENDAR_CLIENT_SECRET",
    "CONVONET_GOOGLE_CALENDAR_REFRESH_TOKEN",
}


@pytest.mark.parametrize("client_id", ["", "1234-abc.apps.googleusercontent.com"])
def test_google_calendar_is_all_three_credentials_or_none(
    client_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its secrets are mounted (and must have versions) only with the client id; the tools
    server refuses some but not all of the three."""
    from functions.tools.productivity.google_calendar import GoogleCalendarSettings

    evaluated = evaluated_locals(client_id)
    secrets = set(evaluated["secrets"]["tools"])
    env = evaluated["environment"]["tools"]
    table_secrets = set(functions_table()["tools"]["secrets"])
    assert table_secrets >= CALENDAR_SECRETS
    if client_id:
        assert secrets == table_secrets
        assert env["CONVONET_GOOGLE_CALENDAR_CLIENT_ID"] == client_id
    else:
        assert secrets == table_secrets - CALENDAR_SECRETS
        assert "CONVONET_GOOGLE_CALENDAR_CLIENT_ID" not in env
    granted = {g["secret"] for g in evaluated["secret_grants"].values() if g["function"] == "tools"}
    assert granted == secrets, "a secret is mounted without its grant, or granted unused"
    for name, mounted in evaluated["secrets"].items():
        if name != "tools":
            assert not CALENDAR_SECRETS & set(mounted), name

    for key in list(os.environ):
        if key.startswith(("CONVONET_", "GOOGLE_")):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for secret in secrets:
        monkeypatch.setenv(secret, f"stub-{secret.lower()}")
    assert GoogleCalendarSettings().configured is bool(client_id)


SUITECRM_CASES = {
    "builtin": ("", "", ""),
    "client-credentials": ("https://crm.example.com/legacy", "convonet-client", ""),
    "password-grant": ("https://crm.example.com/legacy", "convonet-client", "convonet"),
}


@pytest.mark.parametrize("suitecrm", SUITECRM_CASES.values(), ids=SUITECRM_CASES.keys())
def test_suitecrm_is_configured_by_its_url_or_not_at_all(
    suitecrm: tuple[str, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its client secret is mounted on crm (and must have a version) and its plain settings set
    only with the URL, its password only with a username too (the password grant); without the
    URL crm uses the built-in CRM and the secrets need no values. What crm gets is what its
    SuiteCRM settings accept in production."""
    from functions.crm.suitecrm import SuiteCrmSettings

    evaluated = evaluated_locals("", suitecrm)
    secrets = set(evaluated["secrets"]["crm"])
    env = evaluated["environment"]["crm"]
    table_secrets = set(functions_table()["crm"]["secrets"])
    assert table_secrets >= SUITECRM_SECRETS
    url, client_id, username = suitecrm
    suitecrm_env = {k: v for k, v in env.items() if k.startswith("CONVONET_SUITECRM_")}
    if not url:
        assert secrets == table_secrets - SUITECRM_SECRETS == {"CONVONET_DB_PASSWORD"}
        assert suitecrm_env == {}
    elif not username:
        assert secrets == table_secrets - {"CONVONET_SUITECRM_PASSWORD"}
        assert suitecrm_env == {
            "CONVONET_SUITECRM_URL": url,
            "CONVONET_SUITECRM_CLIENT_ID": client_id,
        }
    else:
        assert secrets == table_secrets
        assert suitecrm_env == {
            "CONVONET_SUITECRM_URL": url,
            "CONVONET_SUITECRM_CLIENT_ID": client_id,
            "CONVONET_SUITECRM_USERNAME": username,
        }
    granted = {g["secret"] for g in evaluated["secret_grants"].values() if g["function"] == "crm"}
    assert granted == secrets, "a secret is mounted without its grant, or granted unused"
    for name, mounted in evaluated["secrets"].items():
        if name != "crm":
            assert not SUITECRM_SECRETS & set(mounted), name
            other_env = evaluated["environment"][name]
            assert not any(k.startswith("CONVONET_SUITECRM_") for k in other_env), name
    # Calendar and SuiteCRM are switched independently.
    assert not CALENDAR_SECRETS & set(evaluated["secrets"]["tools"])

    for key in list(os.environ):
        if key.startswith(("CONVONET_", "GOOGLE_")):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for secret in secrets:
        monkeypatch.setenv(secret, f"stub-{secret.lower()}")
    settings = SuiteCrmSettings()
    assert settings.env == "production"
    assert settings.configured is bool(url)
    assert settings.uses_password_grant is bool(username)


@pytest.mark.parametrize(
    "suitecrm",
    [
        ("https://crm.example.com/legacy", "", "convonet"),
        ("http://crm.example.com/legacy", "convonet-client", ""),
    ],
    ids=["no-client-id", "not-https"],
)
def test_a_half_configured_suitecrm_is_refused(suitecrm: tuple[str, str, str]) -> None:
    """What crm would refuse at start (and so fail the deploy) is refused at plan time."""
    result = _console(dict(zip(SUITECRM_VARIABLES, suitecrm, strict=True)))
    assert result.returncode != 0
    assert "suitecrm_" in result.stderr, result.stderr


def test_the_operator_api_reads_firestore_and_holds_only_its_own_secrets() -> None:
    """Its own service account: Firestore read-only (it never writes what the monitor stored),
    PostgreSQL for the mortgage applications and its sign-in budget, its session key, and no
    topic; told the Firebase project whose ID tokens it takes and its own URL for the feed."""
    table = functions_table()
    operator = table["operator"]
    assert operator["firestore"] is False and operator["database"] is True
    assert set(operator["secrets"]) == {"CONVONET_DB_PASSWORD", "CONVONET_OPERATOR_SESSION_KEY"}
    assert operator["publishes"] == [] == list(PUBLISHES["operator"])
    assert operator["public"] is True and operator["invokes"] == []
    reader = module("functions").resource("google_project_iam_member", "operator_firestore_reader")
    assert reader["role"] == "roles/datastore.viewer"
    assert reader["member"] == '${google_service_account.function["operator"].member}'
    for name, fn in table.items():
        if name != "operator":
            assert "CONVONET_OPERATOR_SESSION_KEY" not in fn["secrets"], name
    own = (MODULES / "functions" / "locals.tf").read_text()
    for setting in (
        "CONVONET_FIREBASE_PROJECT_ID",
        "CONVONET_OPERATOR_LIVE_URL",
        "CONVONET_OPERATOR_ALLOWED_ORIGINS",
        "CONVONET_OPERATOR_FEED_SECONDS",
    ):
        assert setting in own, setting
