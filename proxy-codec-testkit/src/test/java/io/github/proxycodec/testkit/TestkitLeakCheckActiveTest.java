package io.github.proxycodec.testkit;

import io.github.proxycodec.testing.LeakCheckContract;

/** The leak check is active in this module. */
class TestkitLeakCheckActiveTest extends LeakCheckContract {
}
