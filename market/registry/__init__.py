"""The registry (登記): assets, their files and versions, rights claims (確權), certificates."""
