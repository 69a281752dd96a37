"""An aiohttp server (python3-aiohttp) for examples/hyper_scraper.rs.

Prints its port, then serves: `/slow/...` never answers in time; `/stats` tells how many
distinct connections it has seen; any other `/{name}` answers `aiohttp says hi to {name}`.
Exits after 300 s at most.
"""
import asyncio

from aiohttp import web

peers = set()


async def hello(request):
    peers.add(request.transport.get_extra_info("peername"))
    if request.path.startswith("/slow/"):
        await asyncio.sleep(3600)
    if request.path == "/stats":
        return web.Response(text=f"connections {len(peers)}")
    return web.Response(text=f"aiohttp says hi to {request.match_info['name']}")


async def main():
    app = web.Application()
    app.router.add_get("/{name:.*}", hello)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)
    await asyncio.sleep(300)


asyncio.run(main())
