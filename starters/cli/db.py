"""`weiquan db`: the registry's schema migrations (alembic). Start-ups upgrade by themselves; these
commands are for operators (rolling back, checking) and developers (adding a revision)."""

from __future__ import annotations

from typing import Annotated

import typer

from starters.cli.reach import guarded
from starters.output import Out, default_lang

db_app = typer.Typer(help="登记库结构迁移 · registry schema migrations", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(revision: Annotated[str, typer.Argument(help="目标版本（默认 head）")] = "head") -> None:
    """升级登记库结构到指定版本（默认最新）；到最新版本时，并加密仍为明文的身份证号与电话。"""
    from registry import migrate
    from registry.store import Registry

    registry = guarded(Registry)
    engine = registry.engine
    guarded(registry.upgrade if revision == "head" else lambda: migrate.upgrade(engine, revision))
    print(migrate.current(engine))


@db_app.command("downgrade")
def downgrade(revision: Annotated[str, typer.Argument(
        help="目标版本：默认回退一个版本；或版本号；base 删除全部表")] = "-1") -> None:
    """回退登记库结构（先备份！），默认回退最近一个版本。"""
    from registry import migrate
    from registry.store import Registry

    engine = guarded(Registry).engine
    guarded(lambda: migrate.downgrade(engine, revision))
    print(migrate.current(engine) or "base")


@db_app.command("current")
def current() -> None:
    """显示登记库当前版本与最新版本。"""
    from registry import migrate
    from registry.store import Registry

    now, heads = guarded(lambda: migrate.current(Registry().engine)), migrate.heads()
    o = Out(default_lang())
    print(now or "base")
    if now not in heads:
        o.note(f"最新版本为 {', '.join(heads)}：运行 weiquan db upgrade",
               f"head is {', '.join(heads)}: run `weiquan db upgrade`")


@db_app.command("check")
def check() -> None:
    """检查 registry/tables.py 与迁移是否一致（在临时库上升级到最新后比较）。"""
    from registry import migrate

    differences = migrate.pending_model_changes()
    if differences:
        for diff in differences:
            print(diff)
        Out(default_lang()).fail("表结构有改动但没有迁移：运行 weiquan db revision -m \"说明\"",
                                 'the tables changed without a migration: run `weiquan db revision -m "..."`')
    print("ok")


@db_app.command("revision")
def revision(message: Annotated[str, typer.Option("-m", "--message", help="这次改动的说明")]) -> None:
    """按 registry/tables.py 与最新迁移的差异生成新的迁移文件（请检查后提交）。"""
    from registry import migrate

    print(migrate.new_revision(message))
