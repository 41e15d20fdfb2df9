"""Checks hassfest would make (it cannot run here): manifest, strings, services."""

import ast
import json
import re
import sys
from importlib.metadata import version
from pathlib import Path

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


def test_quality_scale_is_complete():
    rules = yaml.safe_load((COMPONENT / "quality_scale.yaml").read_text())["rules"]
    for name, rule in rules.items():
        status = rule if isinstance(rule, str) else rule["status"]
        assert status in ("done", "todo", "exempt"), name
        if status == "exempt":
            assert rule["comment"], name


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
