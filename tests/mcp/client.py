"""Drives `throughline mcp` with the official MCP Python SDK's stdio client:
lists the tools and resources and calls each tool on example-spec/, as an
assistant would. Run by scripts/test.sh:

    python3 tests/mcp/client.py THROUGHLINE_BIN EXAMPLE_DIR

Exits non-zero, saying why, on the first answer that is not what a user of
the server would expect.
"""

import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

EXPECTED_TOOLS = {
    "overview", "get_entity", "trace", "search", "check", "status",
    "impact", "explain_rule", "validate_draft", "suspect_links",
}


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def structured(result, name):
    if result.is_error:
        fail(f"{name} returned a tool error: {result.content}")
    data = result.structured_content
    if data is None:
        fail(f"{name} returned no structuredContent")
    # The text block holds the same JSON, for clients that read only text.
    text = json.loads(result.content[0].text)
    if text != data:
        fail(f"{name}: the text and the structured content differ")
    return data


async def main(binary, example):
    params = StdioServerParameters(command=binary, args=["mcp", example])
    async with stdio_client(params) as streams:
        read, write = streams[0], streams[1]
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            print(f"protocol {init.protocol_version}, server {init.server_info.name} {init.server_info.version}")
            tools = (await session.list_tools()).tools
            names = {t.name for t in tools}
            if names != EXPECTED_TOOLS:
                fail(f"tools {sorted(names)}, expected {sorted(EXPECTED_TOOLS)}")
            for t in tools:
                if not t.output_schema or not t.input_schema:
                    fail(f"{t.name} publishes no input or output schema")
                if not (t.annotations and t.annotations.read_only_hint):
                    fail(f"{t.name} is not marked readOnlyHint")
            print(f"{len(tools)} tools: {', '.join(sorted(names))}")

            overview = structured(await session.call_tool("overview", {}), "overview")
            if overview["northStar"]["id"] != "cross-sell-revenue-share":
                fail(f"overview names the North Star {overview['northStar']}")
            entity = structured(await session.call_tool("get_entity", {"id": "bundle-offers"}), "get_entity")
            if [p["id"] for p in entity["parents"]] != ["increase-basket-size"]:
                fail(f"bundle-offers' parents are {entity['parents']}")
            trace = structured(
                await session.call_tool("trace", {"id": "bundle-offers", "direction": "up"}), "trace")
            if "cross-sell-revenue-share" not in [r["id"] for r in trace["reached"]]:
                fail("the trace up from bundle-offers does not reach the North Star")
            found = structured(await session.call_tool("search", {"query": "orders"}), "search")
            if found["results"][0]["id"] != "orders":
                fail(f"search for `orders` puts {found['results'][0]['id']} first")
            report = structured(await session.call_tool("check", {}), "check")
            if report["version"] != 1 or report["summary"]["errors"] != 0:
                fail(f"check: {report['summary']}")
            status = structured(await session.call_tool("status", {}), "status")
            if not status["indicators"]:
                fail("status lists no indicator")
            impact = structured(await session.call_tool("impact", {"id": "orders"}), "impact")
            if not impact["goals"]:
                fail("impact of orders reaches no goal")
            rule = structured(await session.call_tool("explain_rule", {"rule": "untraced"}), "explain_rule")
            if not rule["markdown"].startswith("# `untraced`"):
                fail("explain_rule untraced is not its page")
            draft = structured(await session.call_tool("validate_draft", {
                "path": "goals/draft.yaml",
                "text": "kind: Goal\nid: draft-goal\nname: A draft\ncontributesTo: cross-sell-revenu-share\n",
            }), "validate_draft")
            rules = {f["rule"] for f in draft["findings"]}
            if "broken-ref" not in rules:
                fail(f"validate_draft of a goal naming a missing parent found {sorted(rules)}")
            suspects = structured(await session.call_tool("suspect_links", {}), "suspect_links")
            if suspects["links"]:
                fail("example-spec has no lock, yet suspect links were listed")

            unknown = await session.call_tool("get_entity", {"id": "bundle-offer"})
            if not unknown.is_error or "did you mean `bundle-offers`" not in unknown.content[0].text:
                fail(f"an unknown id gave {unknown}")

            resources = (await session.list_resources()).resources
            uris = {str(r.uri) for r in resources}
            if "throughline://report.json" not in uris or "throughline://schema/Goal" not in uris:
                fail(f"resources {sorted(uris)}")
            templates = (await session.list_resource_templates()).resource_templates
            if "throughline://entity/{id}" not in {t.uri_template for t in templates}:
                fail("no entity resource template")
            spec = await session.read_resource("throughline://entity/orders")
            if "id: orders" not in spec.contents[0].text:
                fail("the entity resource is not the spec's text")
            print("every tool and resource answered as expected")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
