package io.github.proxycodec.udp;

import io.github.proxycodec.testing.LeakCheckContract;

/** The leak check is active in this module. */
class LeakCheckActiveTest extends LeakCheckContract {
}
