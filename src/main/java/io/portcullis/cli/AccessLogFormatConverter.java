package io.portcullis.cli;

import io.portcullis.telemetry.AccessLogFormat;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code text}, {@code json} or {@code logfmt}, in any case. */
final class AccessLogFormatConverter implements ITypeConverter<AccessLogFormat> {
    @Override
    public AccessLogFormat convert(String value) {
        try {
            return AccessLogFormat.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("'" + value + "' is not an access-log format (expected: text, json or logfmt)");
        }
    }
}
