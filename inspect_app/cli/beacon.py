"""`lianjian beacon`: the pinned drand chains, checking a round file, a local test chain.

A test chain (`beacon test-chain create DIR`) is a key generated on this machine, for tests,
rehearsals and the demo: its rounds verify through the same check as quicknet's, but its
chain is marked as a test chain in its hash and labelled so, and the platform accepts it only
when pinned explicitly (`--pin`, or its info.json copied into DRAND_CHAINS). docs/beacons.md.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app

from inspect_app import clock
from inspect_app.cli.base import InputPath, Refusal, fail
from inspect_app.errors import AppError
from inspect_app.services import beacons
from scheduler.beacon import BeaconError, TestChain, chain_from_info

INFO_FILE = "info.json"
SECRET_FILE = "secret.hex"


def _show(document) -> None:
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Refusal(
            f"{path} 不是有效的 JSON：{error}", f"{path} is not valid JSON: {error}"
        ) from None


def _refuse(error: BeaconError) -> Refusal:
    return Refusal(f"{error.zh}（{error.code}）", f"{error.en} ({error.code})")


@click.group("beacon", help="Randomness beacons (随机信标): pinned drand chains, round checks.")
def beacon_group() -> None:
    pass


@beacon_group.command("chains", help="List the pinned drand chains (quicknet and DRAND_CHAINS).")
def chains_command() -> None:
    try:
        pinned = beacons.pinned_chains(current_app.config)
    except AppError as error:
        fail(error)
    _show(
        [
            {
                "hash": chain.hash,
                "label": chain.label,
                "scheme": chain.scheme,
                "period": chain.period,
                "genesis_time": chain.genesis_time,
                "beacon_id": chain.beacon_id,
                "test_chain": chain.test_chain,
                "default": chain.hash == beacons.DEFAULT_CHAIN.hash,
            }
            for chain in pinned.values()
        ]
    )


@beacon_group.command("certificates", help="List the pinned NIST beacon certificates.")
def certificates_command() -> None:
    try:
        pinned = beacons.pinned_certificates(current_app.config)
    except AppError as error:
        fail(error)
    _show(
        [
            {
                "certificate_id": certificate.certificate_id,
                "subject": certificate.subject,
                "valid_from": _iso(certificate.not_before),
                "valid_until": _iso(certificate.not_after),
            }
            for certificate in pinned.values()
        ]
    )


@beacon_group.command(
    "verify", help="Check a round file (drand /public/{round} JSON) against a pinned chain."
)
@click.argument("file", type=InputPath())
@click.option(
    "--chain",
    "chain_hash",
    default=None,
    help="Chain hash (default: the file's chain_hash, else quicknet).",
)
def verify_command(file: Path, chain_hash: str | None) -> None:
    beacon = _read_json(file)
    try:
        chain, verified = beacons.verify_pinned(beacon, chain_hash, current_app.config)
    except AppError as error:
        fail(error)
    _show(
        {
            "verified": True,
            "chain": chain.label,
            "test_chain": chain.test_chain,
            **verified.as_dict(),
            "time_utc": _iso(verified.time),
        }
    )


def _iso(unix_seconds: int) -> str:
    return datetime.fromtimestamp(unix_seconds, UTC).isoformat().replace("+00:00", "Z")


@beacon_group.command(
    "verify-pulse",
    help="Check a NIST beacon 2.0 pulse file against the pinned certificate it names.",
)
@click.argument("file", type=InputPath())
def verify_pulse_command(file: Path) -> None:
    pulse = _read_json(file)
    try:
        certificate, verified = beacons.verify_pinned_pulse(pulse, current_app.config)
    except AppError as error:
        fail(error)
    _show(
        {
            "verified": True,
            "beacon": certificate.label,
            "certificate": certificate.subject,
            **verified.as_dict(),
            "time_utc": _iso(verified.time),
        }
    )


@beacon_group.group(
    "test-chain",
    help="A local test chain (本地测试链) for tests and rehearsals: NOT a public beacon.",
)
def test_chain_group() -> None:
    pass


@test_chain_group.command(
    "create", help="Generate a test chain's key into DIR (info.json, secret.hex)."
)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--genesis", type=int, default=None, help="Unix time of round 1 (default: now).")
@click.option("--period", type=click.IntRange(1, 3600), default=3, show_default=True)
@click.option("--pin", is_flag=True, help="Also pin it: copy info.json into DRAND_CHAINS.")
def create_command(directory: Path, genesis: int | None, period: int, pin: bool) -> None:
    if (directory / SECRET_FILE).exists():
        raise Refusal(
            f"{directory} 已有测试链密钥，不会覆盖", f"{directory} already holds a test chain key"
        )
    genesis = int(clock.utcnow().timestamp()) if genesis is None else genesis
    try:
        chain = TestChain.generate(genesis_time=genesis, period=period)
    except BeaconError as error:
        raise _refuse(error) from None
    directory.mkdir(parents=True, exist_ok=True)
    secret = directory / SECRET_FILE
    fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(chain.secret.hex() + "\n")
    info = json.dumps(chain.info.to_info(), ensure_ascii=False, indent=2) + "\n"
    (directory / INFO_FILE).write_text(info, encoding="utf-8")
    pinned_at = None
    if pin:
        pinned_at = _pin(chain.info.hash, info)
    _show(
        {
            "hash": chain.info.hash,
            "label": chain.info.label,
            "test_chain": True,
            "genesis_time": genesis,
            "period": period,
            "directory": str(directory),
            "pinned": str(pinned_at) if pinned_at else None,
        }
    )


def _pin(chain_hash: str, info: str) -> Path:
    target = Path(current_app.config["DRAND_CHAINS"])
    if target.is_file():
        raise Refusal(
            f"DRAND_CHAINS 是单个文件 {target}：请手动加入",
            f"DRAND_CHAINS is one file ({target}): add it by hand",
        )
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"test-chain-{chain_hash[:16]}.json"
    path.write_text(info, encoding="utf-8")
    return path


def _load(directory: Path) -> TestChain:
    info_path, secret_path = directory / INFO_FILE, directory / SECRET_FILE
    if not (info_path.is_file() and secret_path.is_file()):
        raise Refusal(
            f"{directory} 中没有测试链（{INFO_FILE}、{SECRET_FILE}）",
            f"No test chain in {directory} ({INFO_FILE}, {SECRET_FILE})",
        )
    try:
        info = chain_from_info(_read_json(info_path))
        secret = bytes.fromhex(secret_path.read_text(encoding="utf-8").strip())
        chain = TestChain.generate(info.genesis_time, info.period, secret)
    except BeaconError as error:
        raise _refuse(error) from None
    except ValueError as error:
        raise Refusal(
            f"{secret_path} 无效：{error}", f"{secret_path} is invalid: {error}"
        ) from None
    if chain.info.hash != info.hash:
        raise Refusal(
            f"{SECRET_FILE} 与 {INFO_FILE} 不是同一条链",
            f"{SECRET_FILE} and {INFO_FILE} are not the same chain",
        )
    return chain


@test_chain_group.command("sign", help="Sign ROUND with the test chain in DIR; print drand's JSON.")
@click.argument("directory", type=InputPath(folder=True))
@click.argument("round_number", metavar="ROUND", type=click.IntRange(min=1, max=2**64 - 1))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
def sign_command(directory: Path, round_number: int, out: Path | None) -> None:
    chain = _load(directory)
    beacon = {"chain_hash": chain.info.hash, **chain.sign(round_number)}
    text = json.dumps(beacon, ensure_ascii=False, indent=2)
    if out is not None:
        out.write_text(text + "\n", encoding="utf-8")
    click.echo(text)


COMMANDS = (beacon_group,)
