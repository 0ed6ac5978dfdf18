package io.github.proxycodec.micrometer;

import io.github.proxycodec.testing.LeakCheckContract;

/** The leak check is active in this module. */
class MicrometerLeakCheckActiveTest extends LeakCheckContract {
}
