"""Running the system and its contract: `weiquan worker | server | up | gateway | gateway-token`,
`weiquan contract`, the payload encryption's `weiquan codec-key | codec-server`, and the units'
signing keys' `weiquan keys dev | reload`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from starters.cli.reach import run
from starters.output import BAD_INPUT, Out, default_lang, why

system_app = typer.Typer()  # top-level commands


@system_app.command("worker")
def worker(agency: Annotated[list[str] | None, typer.Option(
        "--agency", help="只运行某单位的队列：case, legal_aid, union, inspection, arbitration（可重复）")] = None,
) -> None:
    """运行 worker（默认全部队列），Ctrl-C 或 SIGTERM 时处理完进行中的活动再退出。

    启动后即轮询任务队列，同时升级登记库结构（数据库暂不可达时重试，其间活动稍后重试）；健康检查、指标与并发设置见 docs/deploy.md（WEIQUAN_* 环境变量）。"""
    from workers.logs import configure_logging
    from workers.queues import ALL
    from workers.service import serve

    configure_logging()
    queues = agency or list(ALL)
    unknown = [q for q in queues if q not in ALL]
    if unknown:
        Out(default_lang()).fail(f"未知队列：{', '.join(unknown)}（可选 {', '.join(ALL)}）",
                                 f"unknown queue: {', '.join(unknown)} (choose from {', '.join(ALL)})", BAD_INPUT)
    if "case" in queues:  # the cases check events against the units' keys: none configured, none is taken
        from activities.signing import load_policy
        from domain.signing import SigningConfigError

        try:
            load_policy()
        except SigningConfigError as err:
            Out(default_lang()).fail(f"签名公钥有误：{err}（或 WEIQUAN_VERIFY_SENDERS=off 明确关闭验证）",
                                     f"units' keys: {err} (or turn the check off explicitly: WEIQUAN_VERIFY_SENDERS=off)",
                                     BAD_INPUT)

    run(serve(queues))


@system_app.command("server")
def server(
    port: Annotated[int, typer.Option(help="gRPC 端口")] = 7233,
    ui_port: Annotated[int, typer.Option(help="Web UI 端口")] = 8233,
    db_file: Annotated[Path, typer.Option(help="持久化 SQLite 文件")] = Path(".weiquan/temporal.db"),
) -> None:
    """运行内嵌 Temporal 服务（持久化 SQLite、Web UI），启动时确保自定义搜索属性。"""
    from starters.up import serve

    run(serve(port=port, ui_port=ui_port, db_file=db_file))


@system_app.command("up")
def up(
    port: Annotated[int, typer.Option(help="gRPC 端口")] = 7233,
    ui_port: Annotated[int, typer.Option(help="Web UI 端口")] = 8233,
    codec_port: Annotated[int, typer.Option(help="编解码服务端口（Web UI 经它解密，仅本机）")] = 8081,
    demo: Annotated[bool, typer.Option("--demo/--no-demo", help="启动示例案件")] = True,
    exit_after: Annotated[float | None, typer.Option(help="运行若干秒后退出（用于检查）")] = None,
) -> None:
    """一条命令启动整个系统：内嵌 Temporal 服务与 Web UI、全部 worker、登记库，并受理示例案件。
    首次启动时生成载荷密钥（.weiquan/codec-keys，权限 0600）与各单位签名密钥（.weiquan/keys/<单位>.key，权限 0600；
    公钥 .weiquan/unit-keys.json），载荷加密、事件须签名，Web UI 经本机编解码服务解密。"""
    from starters.up import bring_up

    run(bring_up(port=port, ui_port=ui_port, codec_port=codec_port, demo=demo, exit_after=exit_after))


@system_app.command("contract")
def contract(write: Annotated[bool, typer.Option("--write", help="重写文件（默认只检查）")] = False) -> None:
    """集成契约：由事件目录生成 docs/integration.md 与 docs/schemas/（JSON Schema）；默认检查是否过期。"""
    from starters.contract import main as contract_main

    raise typer.Exit(contract_main(["--write"] if write else []))


@system_app.command("codec-key")
def codec_key(key_id: Annotated[str, typer.Argument(help="密钥编号，如 2026a")],
              cipher: Annotated[str, typer.Option(help="aes-256-gcm（默认）或 sm4-gcm（国密 SM4，GB/T 32907）")]
              = "aes-256-gcm") -> None:
    """生成一个载荷加密密钥，输出 id:密钥，加入 WEIQUAN_CODEC_KEYS 或密钥文件（见 docs/security.md）。"""
    from workers.codec import KEY_ID_RE, CodecConfigError, generate_key

    o = Out(default_lang())
    if not KEY_ID_RE.match(key_id):
        o.fail("密钥编号只能含字母、数字和 . _ -", "a key id has only letters, digits, . _ -", BAD_INPUT)
    try:
        print(f"{key_id}:{generate_key(cipher.strip().lower())}")
    except CodecConfigError:
        o.fail(f"--cipher 只能是 aes-256-gcm 或 sm4-gcm，收到“{cipher}”",
               f"--cipher is aes-256-gcm or sm4-gcm, got {cipher!r}", BAD_INPUT)


@system_app.command("codec-server")
def codec_server(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8081,
    ui_origin: Annotated[list[str] | None, typer.Option(
        "--ui-origin", help="允许的 Web UI 来源（可重复）；默认读 WEIQUAN_CODEC_CORS_ORIGINS，再默认 http://localhost:8233")] = None,
) -> None:
    """编解码服务：授权的监督人员在 Web UI（或 temporal CLI --codec-endpoint）中看到解密后的内容。
    密钥与 worker 相同；WEIQUAN_CODEC_SERVER_TOKENS=姓名:令牌,… 时要求 Bearer 令牌。"""
    from starters.codec_server import check_exposure, load_origins, load_tokens, serve
    from workers.codec import CodecConfigError, EncryptionCodec, load_keyring
    from workers.logs import configure_logging
    from workers.run import stop_event

    configure_logging()
    o = Out(default_lang())
    try:
        keyring, tokens, origins = load_keyring(), load_tokens(), ui_origin or load_origins()
        check_exposure(host, tokens)
    except CodecConfigError as err:
        o.fail(f"配置有误：{err}", f"bad settings: {err}", BAD_INPUT)
    if keyring is None:
        o.fail("未配置密钥（WEIQUAN_CODEC_KEYS 或 WEIQUAN_CODEC_KEY_FILE）", "no keys configured "
               "(WEIQUAN_CODEC_KEYS or WEIQUAN_CODEC_KEY_FILE)", BAD_INPUT)

    async def go() -> None:
        runner = await serve(EncryptionCodec(keyring), host=host, port=port, origins=origins, tokens=tokens)
        try:
            await stop_event().wait()
        finally:
            await runner.cleanup()

    run(go())


@system_app.command("gateway")
def gateway(
    host: Annotated[str, typer.Option(help="监听地址（非本机地址须同时给出证书）")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8088,
    tls_cert: Annotated[Path | None, typer.Option(help="TLS 证书（PEM）")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="TLS 私钥（PEM）")] = None,
    client_ca: Annotated[Path | None, typer.Option(help="签发各单位客户端证书的 CA（PEM）：启用 mTLS")] = None,
) -> None:
    """事件网关：各单位系统以自己的凭证（API 令牌或客户端证书）经 HTTP 发送事件，网关写入其单位、以该单位密钥签名后发送。
    凭证见 WEIQUAN_GATEWAY_AUTH（默认 .weiquan/gateway-auth.json；令牌用 `weiquan gateway-token` 生成），文档见 docs/integration.md。"""
    from domain.signing import SigningConfigError, load_unit_key
    from starters import gateway as gw
    from starters.cli.reach import client
    from workers.logs import configure_logging
    from workers.run import stop_event

    o = Out(default_lang())
    if (tls_cert is None) != (tls_key is None) or (client_ca is not None and tls_cert is None):
        o.fail("--tls-cert 与 --tls-key 须同时给出；--client-ca 需要它们", "give --tls-cert and --tls-key together; "
               "--client-ca needs them", BAD_INPUT)
    try:
        auth = gw.load_auth()
        tls = gw.tls_context(tls_cert, tls_key, client_ca) if tls_cert and tls_key else None
    except gw.GatewayConfigError as err:
        o.fail(f"网关配置有误：{err}", f"bad gateway settings: {err}", BAD_INPUT)
    except (OSError, ValueError) as err:  # ssl.SSLError is an OSError: unreadable or mismatched PEM files
        o.fail(f"无法载入 TLS 证书或密钥：{err}", f"cannot load the TLS certificate or key: {err}", BAD_INPUT)

    try:  # every unit the gateway lets in must have its key here, or its events could not be signed
        for unit in sorted({*auth.tokens, *auth.certificates.values()}):
            load_unit_key(unit)
    except SigningConfigError as err:
        o.fail(f"签名密钥有误：{err}", f"bad signing keys: {err}", BAD_INPUT)

    async def go() -> None:
        configure_logging()  # once the settings are known to be usable
        connection = await client(o)
        try:
            runner = await gw.serve(connection, host=host, port=port, auth=auth, signing_key=load_unit_key, tls=tls)
        except gw.GatewayConfigError as err:
            o.fail(f"网关配置有误：{err}", f"bad gateway settings: {err}", BAD_INPUT)
        except OSError as err:
            o.fail(*why(err, f"无法监听 {host}:{port}", f"cannot listen on {host}:{port}"), BAD_INPUT)
        print(f"事件网关 / event gateway: {'https' if tls else 'http'}://{host}:{port}（Ctrl-C 退出 / to stop）", flush=True)
        try:
            await stop_event().wait()
        finally:
            await runner.cleanup()

    run(go(), o)


@system_app.command("gateway-token")
def gateway_token(unit: Annotated[str, typer.Argument(help="单位：inspection, arbitration, union, legal_aid, window, court")]) -> None:
    """为某单位的系统生成一个网关令牌：只输出这一次，凭证文件里只存它的 SHA-256。"""
    from domain.models import Agency
    from starters import gateway as gw

    o = Out(default_lang())
    try:
        agency = Agency(unit)
    except ValueError:
        units = ", ".join(a.value for a in Agency)
        o.fail(f"未知单位：{unit[:20]}（可选 {units}）", f"unknown unit {unit[:20]!r} (choose from {units})", BAD_INPUT)
    try:
        token = gw.add_token(agency)
    except (gw.GatewayConfigError, OSError) as err:
        o.fail(f"无法写入网关凭证：{err}", f"cannot write the gateway credentials: {err}", BAD_INPUT)
    print(token)


keys_app = typer.Typer(help="各单位签名密钥 · the units' signing keys", no_args_is_help=True)


@keys_app.command("dev")
def keys_dev(
    folder: Annotated[Path, typer.Argument(help="密钥目录（deploy/compose.yaml 读 deploy/keys）")] = Path("deploy/keys"),
) -> None:
    """为每个单位生成开发用签名密钥（已有的保留）：私钥 <目录>/<单位>.key 及同一密钥的 <单位>.env
    （WEIQUAN_SIGNING_KEY_<单位>=…，供 compose 的 env_file），权限 0600；公钥 <目录>/unit-keys.json。"""
    import json
    import os

    from domain.models import Agency
    from domain.signing import SigningConfigError, ensure_dev_keys

    o = Out(default_lang())
    env = {**{k: v for k, v in os.environ.items() if k != "WEIQUAN_SIGNING_KEYS"},
           "WEIQUAN_HOME": str(folder), "WEIQUAN_SIGNING_KEY_DIR": str(folder)}
    try:
        made = ensure_dev_keys(env) or []
        for unit in Agency:  # an env file a container reads as its environment: the key never a file there
            key = json.loads((folder / f"{unit.value}.key").read_text(encoding="utf-8"))
            line = f"WEIQUAN_SIGNING_KEY_{unit.value.upper()}={json.dumps(key, separators=(',', ':'))}\n"
            path = folder / f"{unit.value}.env"
            if not path.exists() or path.read_text(encoding="utf-8") != line:
                path.unlink(missing_ok=True)
                with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as fh:
                    fh.write(line)
    except SigningConfigError as err:
        o.fail(f"签名密钥有误：{err}", f"bad signing keys: {err}", BAD_INPUT)
    except OSError as err:
        o.fail(*why(err, f"无法写入密钥目录 {folder}", f"cannot write the key folder {folder}"), BAD_INPUT)
    print(o.t(f"新密钥：{', '.join(u.value for u in made) or '无（均已存在）'}；私钥 {folder}/<单位>.key 与 .env，"
              f"公钥 {folder}/unit-keys.json",
              f"new keys: {', '.join(u.value for u in made) or 'none (all there)'}; private {folder}/<unit>.key "
              f"and .env, public {folder}/unit-keys.json"))


@keys_app.command("reload")
def keys_reload() -> None:
    """公钥配置（WEIQUAN_SIGNING_KEYS）改动后（新增或停用密钥），通知所有进行中的案件与会商重新载入。"""
    from domain.signing import SigningConfigError, load_key_set
    from domain.visibility import CASE_WORKFLOW, MEETING_WORKFLOW
    from starters.cli.reach import client, tell

    o = Out(default_lang())
    try:
        keys = load_key_set()  # a broken file is named here, before any case is told
    except SigningConfigError as err:
        o.fail(f"签名公钥有误：{err}", f"units' keys: {err}", BAD_INPUT)

    async def go() -> int:
        connection = await client(o)
        query = f'ExecutionStatus = "Running" AND WorkflowType IN ("{CASE_WORKFLOW}", "{MEETING_WORKFLOW}")'
        return await tell(connection, [running.id async for running in connection.list_workflows(query)],
                          "unit_keys_revised")

    told = run(go(), o)
    count = sum(map(len, keys.units.values()))
    print(o.t(f"已通知 {told} 个案件与会商重新载入 {count} 把公钥", f"{told} case(s) and meeting(s) told to reload {count} key(s)"))
