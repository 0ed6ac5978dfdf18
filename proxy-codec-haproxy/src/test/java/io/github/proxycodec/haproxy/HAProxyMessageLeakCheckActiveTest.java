package io.github.proxycodec.haproxy;

import io.github.proxycodec.testing.LeakCheckContract;

/** The leak check is active in this module. */
class HAProxyMessageLeakCheckActiveTest extends LeakCheckContract {
}
