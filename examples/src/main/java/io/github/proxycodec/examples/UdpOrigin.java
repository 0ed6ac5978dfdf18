package io.github.proxycodec.examples;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** Placeholder until proxy-codec-udp is merged. */
@Command(name = "udp-origin", mixinStandardHelpOptions = true,
        description = "A UDP server behind Cloudflare Spectrum (SPP or PROXY v2). Not yet available.")
public final class UdpOrigin implements Callable<Integer> {
    @Override
    public Integer call() {
        return 1;
    }
}
