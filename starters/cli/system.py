"""Running the system and its contract: `weiquan worker | server | up`, `weiquan contract`, and the
payload encryption's `weiquan codec-key | codec-server`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from starters.cli.reach import run
from starters.output import BAD_INPUT, Out, default_lang

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
    首次启动时生成载荷密钥（.weiquan/codec-keys，权限 0600），载荷加密，Web UI 经本机编解码服务解密。"""
    from starters.up import bring_up

    run(bring_up(port=port, ui_port=ui_port, codec_port=codec_port, demo=demo, exit_after=exit_after))


@system_app.command("contract")
def contract(write: Annotated[bool, typer.Option("--write", help="重写文件（默认只检查）")] = False) -> None:
    """集成契约：由事件目录生成 docs/integration.md 与 docs/schemas/（JSON Schema）；默认检查是否过期。"""
    from starters.contract import main as contract_main

    raise typer.Exit(contract_main(["--write"] if write else []))


@system_app.command("codec-key")
def codec_key(key_id: Annotated[str, typer.Argument(help="密钥编号，如 2026a")]) -> None:
    """生成一个 AES-256 密钥，输出 id:base64，加入 WEIQUAN_CODEC_KEYS 或密钥文件（见 docs/security.md）。"""
    from workers.codec import KEY_ID_RE, generate_key

    if not KEY_ID_RE.match(key_id):
        Out(default_lang()).fail("密钥编号只能含字母、数字和 . _ -", "a key id has only letters, digits, . _ -",
                                 BAD_INPUT)
    print(f"{key_id}:{generate_key()}")


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
