"""Print the gateway's live GraphQL schema (SDL), the snapshot the web client's types are generated from.

``npm run schema`` writes it to gateway/web/schema.graphql; tests/web/test_graphql_schema.py compares the two.
"""

from gateway.config import GatewaySettings
from gateway.schema import build_schema


def live_schema_sdl() -> str:
    return build_schema(GatewaySettings()).as_str() + "\n"


if __name__ == "__main__":
    print(live_schema_sdl(), end="")
