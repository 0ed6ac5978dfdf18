package io.github.proxycodec.examples.demo;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** Placeholder. */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Runs every mode on loopback.")
public final class Demo implements Callable<Integer> {
    @Override
    public Integer call() {
        return 0;
    }
}
