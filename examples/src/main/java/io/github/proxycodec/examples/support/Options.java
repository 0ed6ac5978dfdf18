package io.github.proxycodec.examples.support;

import io.github.proxycodec.ProxyProtocolConfig;
import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.udp.UdpProxyConfig;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Converters for the flags shared by the subcommands. Each refuses a value the library would
 * refuse, with the value as typed and the allowed form; picocli names the flag, so a user sees
 * {@code Invalid value for option '--port': '70000' is not a port (0..65535)}.
 */
public final class Options {

    private Options() {
    }

    /**
     * {@code --trust}: {@code cloudflare}, {@code any} (alone), or a comma list of CIDRs, which
     * may include {@code cloudflare} (e.g. {@code cloudflare,10.0.0.0/8}).
     */
    public static final class Trust implements ITypeConverter<TrustedProxies> {
        @Override
        public TrustedProxies convert(String value) {
            try {
                return TrustedProxies.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "': " + e.getMessage()
                        + " (expected cloudflare, any, or CIDR,...)");
            }
        }
    }

    /** {@code --port}: 0..65535, 0 picking a free port. */
    public static final class Port implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return wholeNumber(value, 0, 65535, "a port");
        }
    }

    /** {@code --max-flows}: 1..{@link UdpProxyConfig#MAX_FLOWS}. */
    public static final class MaxFlows implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return wholeNumber(value, 1, UdpProxyConfig.MAX_FLOWS, "a number of flows");
        }
    }

    /** Parses a whole number in {@code min..max}; {@code what} names it in the message. */
    public static int wholeNumber(String value, int min, int max, String what) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below, with the range
        }
        throw new TypeConversionException("'" + value + "' is not " + what + " (" + min + ".." + max + ")");
    }

    /** {@code --bind}: an IP literal, or a host name resolved once at start-up. */
    public static final class Host implements ITypeConverter<InetAddress> {
        @Override
        public InetAddress convert(String value) {
            try {
                return Addresses.host(value.trim());
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not an IP address or a known host name");
            }
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

    /** {@code --header-timeout}: what {@link ProxyProtocolConfig.Builder#headerTimeout} takes. */
    public static final class HeaderTimeout extends BoundedTime {
        /** Picocli's constructor. */
        public HeaderTimeout() {
            super(ProxyProtocolConfig.MIN_HEADER_TIMEOUT, ProxyProtocolConfig.MAX_HEADER_TIMEOUT, "1ms..1h");
        }
    }

    /** UDP idle timeouts: what {@link UdpProxyConfig}'s idle timeouts take. */
    public static final class IdleTimeout extends BoundedTime {
        /** Picocli's constructor. */
        public IdleTimeout() {
            super(UdpProxyConfig.MIN_IDLE_TIMEOUT, UdpProxyConfig.MAX_IDLE_TIMEOUT, "1ms..24h");
        }
    }

    /** A duration flag with a range. */
    abstract static class BoundedTime implements ITypeConverter<Duration> {
        private final Duration min;
        private final Duration max;
        private final String range;

        BoundedTime(Duration min, Duration max, String range) {
            this.min = min;
            this.max = max;
            this.range = range;
        }

        @Override
        public Duration convert(String value) {
            Duration d = duration(value);
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                throw new TypeConversionException("'" + value + "' is out of range (" + range + ")");
            }
            return d;
        }
    }

    /**
     * Parses a duration: {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}, a number of seconds,
     * or ISO-8601 ({@code PT5S}).
     */
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
                return seconds(v.substring(0, v.length() - 1), 1);
            }
            if (v.endsWith("m")) {
                return seconds(v.substring(0, v.length() - 1), 60);
            }
            if (v.endsWith("h")) {
                return seconds(v.substring(0, v.length() - 1), 3600);
            }
            return seconds(v, 1);
        } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
            throw new TypeConversionException("'" + value + "' is not a duration (try 500ms, 5s, 2m, 1h)");
        }
    }

    /** {@code number × unit} seconds, to the millisecond; a number too large saturates (then fails its range). */
    private static Duration seconds(String number, long unit) {
        if (!number.matches("[0-9]+(\\.[0-9]+)?")) {
            throw new NumberFormatException(number);   // Java would read "1d" or "1e9" as numbers
        }
        double millis = Double.parseDouble(number) * unit * 1000;
        return Duration.ofMillis(Math.round(millis));
    }
}
