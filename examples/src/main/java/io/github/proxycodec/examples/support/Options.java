package io.github.proxycodec.examples.support;

import io.github.proxycodec.TrustedProxies;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** Converters for the flags shared by the subcommands. */
public final class Options {

    private Options() {
    }

    /**
     * {@code --trust}: {@code cloudflare}, {@code any}, or a comma list of CIDRs, which may
     * include {@code cloudflare} (e.g. {@code cloudflare,10.0.0.0/8}).
     */
    public static final class Trust implements ITypeConverter<TrustedProxies> {
        @Override
        public TrustedProxies convert(String value) {
            return trust(value);
        }
    }

    /** Parses a {@code --trust} value. */
    public static TrustedProxies trust(String value) {
        TrustedProxies result = null;
        java.util.List<String> cidrs = new java.util.ArrayList<>();
        for (String part : value.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            if (p.equalsIgnoreCase("any")) {
                return TrustedProxies.any();
            } else if (p.equalsIgnoreCase("cloudflare")) {
                result = TrustedProxies.cloudflare();
            } else {
                cidrs.add(p);
            }
        }
        try {
            if (!cidrs.isEmpty()) {
                TrustedProxies listed = TrustedProxies.of(cidrs);
                result = result == null ? listed : result.plus(listed);
            }
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
        if (result == null) {
            throw new TypeConversionException("empty trust list");
        }
        return result;
    }

    /** Durations: {@code 500ms}, {@code 5s}, {@code 2m}, a number of seconds, or ISO-8601 ({@code PT5S}). */
    public static final class Time implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return duration(value);
        }
    }

    /** Parses a duration flag. */
    public static Duration duration(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        try {
            if (v.startsWith("pt")) {
                return Duration.parse(v.toUpperCase(Locale.ROOT));
            }
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
            }
            if (v.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)) * 60);
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new TypeConversionException("not a duration: '" + value + "' (try 500ms, 5s, 2m)");
        }
    }

    /** {@code ip:port} or {@code [ipv6]:port}. */
    public static final class Address implements ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String value) {
            try {
                return Addresses.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
