"""DID methods: did:bid (documents and operations on a registry) and did:key."""
