"""What test apps share: the hosts they answer for (loopback for uvicorn, `testserver` for TestClient)."""

TEST_HOSTS = ["127.0.0.1", "localhost", "testserver"]
