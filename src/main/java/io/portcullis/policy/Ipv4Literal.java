package io.portcullis.policy;

import java.math.BigInteger;

/**
 * The IPv4 parser of the WHATWG URL standard (and of {@code inet_aton}): one to four parts, each
 * decimal, octal (leading {@code 0}) or hexadecimal ({@code 0x}); the last part fills the bytes
 * the others leave. So {@code 2130706433}, {@code 0x7f000001}, {@code 0177.0.0.1}, {@code 127.1}
 * and {@code 127.0.0.1} are one address, and a resolver or client that reads them that way can
 * never be told something the policy did not judge.
 */
final class Ipv4Literal {
    private static final BigInteger BYTE = BigInteger.valueOf(256);

    private Ipv4Literal() {
    }

    /** The dotted quad for {@code labels} (already lower-case), or an exception naming {@code original}. */
    static String parse(String[] labels, String original) {
        if (labels.length > 4) {
            throw invalid(original, "more than four parts");
        }
        BigInteger[] numbers = new BigInteger[labels.length];
        for (int i = 0; i < labels.length; i++) {
            numbers[i] = number(labels[i], original);
        }
        for (int i = 0; i < numbers.length - 1; i++) {
            if (numbers[i].compareTo(BigInteger.valueOf(255)) > 0) {
                throw invalid(original, "part " + (i + 1) + " is over 255");
            }
        }
        BigInteger last = numbers[numbers.length - 1];
        if (last.compareTo(BYTE.pow(5 - numbers.length)) >= 0) {
            throw invalid(original, "the last part is too large");
        }
        long value = last.longValue();
        for (int i = 0; i < numbers.length - 1; i++) {
            value += numbers[i].longValue() << (8 * (3 - i));
        }
        return ((value >> 24) & 0xff) + "." + ((value >> 16) & 0xff) + "." + ((value >> 8) & 0xff) + "." + (value & 0xff);
    }

    private static BigInteger number(String part, String original) {
        if (part.isEmpty()) {
            throw invalid(original, "an empty part");
        }
        int radix = 10;
        String digits = part;
        if (part.startsWith("0x")) {
            radix = 16;
            digits = part.substring(2);
        } else if (part.length() > 1 && part.startsWith("0")) {
            radix = 8;
            digits = part.substring(1);
        }
        if (digits.isEmpty()) {
            return BigInteger.ZERO;
        }
        if (digits.length() > 40) {
            throw invalid(original, "a part is too large");
        }
        for (int i = 0; i < digits.length(); i++) {
            if (Character.digit(digits.charAt(i), radix) < 0) {
                throw invalid(original, "\"" + part + "\" is not a number");
            }
        }
        return new BigInteger(digits, radix);
    }

    private static IllegalArgumentException invalid(String original, String why) {
        return new IllegalArgumentException("\"" + HostCanonicalizer.printable(original)
                + "\" is not a valid IPv4 address (" + why + ")");
    }
}
