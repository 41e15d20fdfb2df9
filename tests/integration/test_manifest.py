"""Checks hassfest would make (it cannot run here): manifest, strings, services."""

import ast
import json
import re
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml
from homeassistant.loader import async_get_custom_components
from packaging.requirements import Requirement
from PIL import Image

from custom_components.ev_battery.binary_sensor import BINARY_SENSORS
from custom_components.ev_battery.number import CHARGE_LIMIT
from custom_components.ev_battery.sensor import SENSORS
from custom_components.ev_battery.switch import CHARGING
from custom_components.ev_battery.vehicle import ChargingState

ROOT = Path(__file__).parents[2]
COMPONENT = ROOT / "custom_components" / "ev_battery"


def load(name):
    return json.loads((COMPONENT / name).read_text())


def test_manifest():
    manifest = load("manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == COMPONENT.name
    assert "application_credentials" in manifest["dependencies"]
    for key in ("codeowners", "documentation", "issue_tracker", "version", "iot_class"):
        assert manifest[key]
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert set(hacs) <= {
        "name",
        "content_in_root",
        "country",
        "filename",
        "hacs",
        "hide_default_branch",
        "homeassistant",
        "persistent_directory",
        "render_readme",
        "zip_release",
    }
    # The minimum is the floor leg's Home Assistant: the oldest that is tested.
    pins = (ROOT / "requirements_test.txt").read_text(encoding="utf-8")
    floor = re.search(r"^homeassistant==(\S+)$", pins, re.MULTILINE)
    assert floor is not None
    assert hacs["homeassistant"] == floor.group(1)


def test_readme_names_the_tested_versions():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for requirements in ("requirements_test.txt", "requirements_newest.txt"):
        pins = (ROOT / requirements).read_text(encoding="utf-8")
        version = re.search(r"^homeassistant==(\S+)$", pins, re.MULTILINE)
        assert version is not None
        assert f"| {version.group(1)} " in readme, requirements


def test_every_entity_has_a_name_and_states():
    strings = load("translations/en.json")["entity"]
    for platform, descriptions in (
        ("sensor", SENSORS),
        ("binary_sensor", BINARY_SENSORS),
        ("number", (CHARGE_LIMIT,)),
        ("switch", (CHARGING,)),
    ):
        for description in descriptions:
            if description.name is None:
                # Named after the vehicle: "is the Tesla Model 3 charging".
                assert (platform, description.key) == ("binary_sensor", "charging")
                continue
            assert strings[platform][description.translation_key]["name"]
    states = strings["sensor"]["charging_state"]["state"]
    assert set(states) == {state.value for state in ChargingState}


def test_services_match_strings_and_icons():
    services = yaml.safe_load((COMPONENT / "services.yaml").read_text())
    strings = load("translations/en.json")["services"]
    icons = load("icons.json")["services"]
    assert set(services) == set(strings) == set(icons)
    for name, service in services.items():
        assert strings[name]["name"]
        assert strings[name]["description"]
        for field in service["fields"]:
            assert strings[name]["fields"][field]["name"]
            assert strings[name]["fields"][field]["description"]


def test_no_html_in_strings():
    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        else:
            assert "<" not in value, value

    walk(load("translations/en.json"))


# Home Assistant's quality scale, every tier up to Platinum.
QUALITY_RULES = {
    "bronze": {
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow",
        "config-flow-test-coverage",
        "dependency-transparency",
        "docs-actions",
        "docs-conditions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "docs-triggers",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    },
    "silver": {
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    },
    "gold": {
        "devices",
        "diagnostics",
        "discovery",
        "discovery-update-info",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    },
    "platinum": {"async-dependency", "inject-websession", "strict-typing"},
}
PLATFORM_MODULES = (
    "binary_sensor",
    "button",
    "device_tracker",
    "number",
    "sensor",
    "switch",
)


def quality_rules():
    rules = yaml.safe_load((COMPONENT / "quality_scale.yaml").read_text())["rules"]
    return {
        name: (rule, None) if isinstance(rule, str) else (rule["status"], rule)
        for name, rule in rules.items()
    }


def source(name):
    return (COMPONENT / name).read_text(encoding="utf-8")


def test_quality_scale_is_complete():
    """Every rule up to Platinum, each with a status; anything not done says why."""
    rules = quality_rules()
    assert set(rules) == set().union(*QUALITY_RULES.values())
    for name, (status, rule) in rules.items():
        assert status in ("done", "todo", "exempt"), name
        if status != "done":
            assert rule is not None, name
            assert rule["comment"].strip(), name
    assert load("manifest.json")["iot_class"] == "cloud_push"


def integration_code():
    return {
        path.name: path.read_text(encoding="utf-8") for path in COMPONENT.glob("*.py")
    }


def claim_parallel_updates(code, strings):
    """Every platform module sets PARALLEL_UPDATES (0 or 1)."""
    from custom_components.ev_battery import PLATFORMS  # noqa: PLC0415

    assert {str(platform) for platform in PLATFORMS} == set(PLATFORM_MODULES)
    for module in PLATFORM_MODULES:
        found = re.search(
            r"^PARALLEL_UPDATES = (\d+)", code[f"{module}.py"], re.MULTILINE
        )
        assert found, module
        assert int(found.group(1)) in (0, 1), module


def claim_exception_translations(code, strings):
    """Every translated exception the code raises has its message."""
    everything = "\n".join(code.values())
    keys = set(
        re.findall(r'translation_domain=DOMAIN,\s*translation_key="(\w+)"', everything)
    )
    keys |= set(re.findall(r'\(EV\w+Error, "(\w+)"\)', everything))
    assert len(keys) > 10
    assert keys <= set(strings["exceptions"]), keys - set(strings["exceptions"])


def claim_repair_issues(code, strings):
    """The repair issues the comment names exist, with a title and a text."""
    created = set(re.findall(r'translation_key="(\w+)"', code["coordinator.py"]))
    assert {"quota_exceeded", "permission_missing", "push_silent"} <= created
    for key in (
        "quota_exceeded",
        "permission_missing",
        "push_silent",
        "push_unreachable",
        "evenergy_push_unreachable",
    ):
        assert strings["issues"][key]["title"], key
        assert strings["issues"][key]["description"], key


def claim_icon_translations(code, strings):
    """An entity without a device class has an icon translation."""
    icons = load("icons.json")["entity"]
    for platform, descriptions in (
        ("sensor", SENSORS),
        ("binary_sensor", BINARY_SENSORS),
        ("number", (CHARGE_LIMIT,)),
    ):
        for description in descriptions:
            if description.device_class is None and description.translation_key:
                assert description.translation_key in icons[platform], description.key


def claim_diagnostics(code, strings):
    """Secrets and personal data are redacted."""
    from custom_components.ev_battery.diagnostics import TO_REDACT  # noqa: PLC0415

    assert {
        "access_token",
        "refresh_token",
        "vin",
        "vehicle_id",
        "latitude",
        "longitude",
        "management_token",
        "webhook_id",
        "cloudhook_url",
    } <= TO_REDACT


def claim_action_setup(code, strings):
    """Actions are registered in async_setup, not per entry."""
    setup = code["__init__.py"].split("async def async_setup(", 1)[1]
    assert "async_setup_services(hass)" in setup.split("async def ", 1)[0]


def claim_inject_websession(code, strings):
    """Home Assistant's shared session, never one of our own."""
    assert "ClientSession(" not in "\n".join(code.values())
    assert "async_get_clientsession(hass)" in code["__init__.py"]


def claim_strict_typing(code, strings):
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r"^strict = true$", pyproject, re.MULTILINE)


def claim_docs_supported_devices(code, strings):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Supported makes" in readme


def claim_docs_examples(code, strings):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for example in ("### evcc", "### Energy dashboard", "solar_surplus.yaml"):
        assert example in readme, example


def claim_docs_actions(code, strings):
    """Every field of every action is named in the README."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    services = yaml.safe_load((COMPONENT / "services.yaml").read_text())
    for name, service in services.items():
        assert f"ev_battery.{name}" in readme, name
        for field in service["fields"]:
            assert f"`{field}`" in readme, (name, field)


CLAIMS = {
    "parallel-updates": claim_parallel_updates,
    "exception-translations": claim_exception_translations,
    "repair-issues": claim_repair_issues,
    "icon-translations": claim_icon_translations,
    "diagnostics": claim_diagnostics,
    "action-setup": claim_action_setup,
    "inject-websession": claim_inject_websession,
    "strict-typing": claim_strict_typing,
    "docs-supported-devices": claim_docs_supported_devices,
    "docs-examples": claim_docs_examples,
    "docs-actions": claim_docs_actions,
    "reauthentication-flow": lambda code, _: (
        "async def async_step_reauth(" in code["config_flow.py"]
    ),
    "reconfiguration-flow": lambda code, _: (
        "async def async_step_reconfigure(" in code["config_flow.py"]
    ),
    "config-entry-unloading": lambda code, _: (
        "async def async_unload_entry(" in code["__init__.py"]
    ),
    "has-entity-name": lambda code, _: (
        "_attr_has_entity_name = True" in code["entity.py"]
    ),
    "runtime-data": lambda code, _: "hass.data[DOMAIN]" not in "\n".join(code.values()),
}


@pytest.mark.parametrize("rule", sorted(CLAIMS))
def test_quality_scale_claims_hold(rule):
    """What a ``done`` rule claims, where the code can show it."""
    status, _ = quality_rules()[rule]
    if status != "done":
        pytest.skip(f"{rule} is {status}")
    result = CLAIMS[rule](integration_code(), load("translations/en.json"))
    assert result in (None, True), rule


def test_third_party_imports_are_declared_and_installed():
    """Every package the code imports beyond the standard library and Home
    Assistant is a manifest requirement that the installed version meets."""
    requirements = {
        Requirement(line).name: Requirement(line)
        for line in load("manifest.json")["requirements"]
    }
    imported = set()
    for path in COMPONENT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            imported |= {name.split(".")[0] for name in names}
    # Home Assistant's own packages, and its schema library (voluptuous before
    # 2026, probatio since), which schema.py takes from whichever it uses.
    provided = {"homeassistant", "voluptuous", "probatio"}
    third_party = {
        name
        for name in imported - provided - set(sys.stdlib_module_names)
        if name != "__future__"
    }
    assert third_party == set(requirements)
    for name, requirement in requirements.items():
        assert requirement.specifier.contains(version(name)), name


async def test_brand_images(hass):
    sizes = {
        "icon.png": (256, 256),
        "icon@2x.png": (512, 512),
        "dark_icon.png": (256, 256),
        "dark_icon@2x.png": (512, 512),
    }
    for name, size in sizes.items():
        with Image.open(COMPONENT / "brand" / name) as image:
            assert image.format == "PNG"
            assert image.size == size
    for name in ("logo.png", "logo@2x.png", "dark_logo.png", "dark_logo@2x.png"):
        with Image.open(COMPONENT / "brand" / name) as image:
            assert image.format == "PNG"
            assert image.size[0] > image.size[1]
    # Home Assistant 2026.3 and later serve a custom integration's own images.
    integration = (await async_get_custom_components(hass))["ev_battery"]
    if hasattr(integration, "has_branding"):
        assert integration.has_branding
