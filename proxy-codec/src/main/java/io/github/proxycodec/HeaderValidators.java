package io.github.proxycodec;

/** Holder of the shared instances behind {@link HeaderValidator}'s factories. */
final class HeaderValidators {

    static final HeaderValidator ACCEPT_ALL = (header, peer) -> null;

    private HeaderValidators() {
    }
}
