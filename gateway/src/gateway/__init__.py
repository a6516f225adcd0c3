"""The Kentbilim GraphQL gateway: the public API over the services' REST APIs."""
