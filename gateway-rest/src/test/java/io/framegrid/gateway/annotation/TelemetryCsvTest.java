package io.framegrid.gateway.annotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.framegrid.proto.annotation.v1.TelemetryPoint;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CSV reader alone: column names, units, and whole-file refusals naming their lines. */
class TelemetryCsvTest {
    @Test
    void speedsBecomeMetresPerSecondAndTimesMilliseconds() {
        List<TelemetryPoint> mph = TelemetryCsv.parse("T,Speed_MPH\n0,10\n250,20\n");
        assertThat(mph.get(0).getSpeedMps()).isCloseTo(4.4704, within(1e-9));
        assertThat(mph.get(1).getTimestampMs()).isEqualTo(250);
        assertThat(mph.get(1).getHasLocation()).isFalse();
        List<TelemetryPoint> kmh = TelemetryCsv.parse("time (s),speed_kmh\n1.001,36\n");
        assertThat(kmh.get(0).getTimestampMs()).isEqualTo(1001);
        assertThat(kmh.get(0).getSpeedMps()).isCloseTo(10, within(1e-9));
        List<TelemetryPoint> located = TelemetryCsv.parse("\n\"lng\",\"lat\",\"timestamp\"\n37.5,55.5,0\n");
        assertThat(located.get(0).getLatitude()).isEqualTo(55.5);
        assertThat(located.get(0).getLongitude()).isEqualTo(37.5);
        assertThat(located.get(0).getHasSpeed()).isFalse();
    }

    @Test
    void everyBadLineIsNamedAndTheFileRefusedWhole() {
        String text = "timestamp,speed,lat,lon\n0,1,1,1\n-5,1,1,1\n10,1,91,1\n20,1,1,181\n30,x,1,1\n40,1,1\n"
                + "2026-01-01T00:00:00Z,1,1,1\n";
        assertThatThrownBy(() -> TelemetryCsv.parse(text)).isInstanceOf(TelemetryCsv.InvalidCsv.class)
                .hasMessageContaining("6 bad rows").hasMessageContaining("line 3").hasMessageContaining("line 4")
                .hasMessageContaining("line 5").hasMessageContaining("line 6").hasMessageContaining("line 7")
                .hasMessageContaining("line 8").hasMessageNotContaining("line 2:");
        assertThatThrownBy(() -> TelemetryCsv.parse("speed,lat,lon\n1,2,3\n")).hasMessageContaining("line 1");
        assertThatThrownBy(() -> TelemetryCsv.parse("t,lat\n0,1\n")).hasMessageContaining("latitude and longitude");
        assertThatThrownBy(() -> TelemetryCsv.parse("t,speed\n")).hasMessageContaining("no data rows");
        assertThatThrownBy(() -> TelemetryCsv.parse("  \n")).hasMessageContaining("header row is required");
    }

    @Test
    void isoInstantsCountFromTheFirstRowAndMayNotGoBack() {
        List<TelemetryPoint> iso = TelemetryCsv.parse("time,speed\n2026-01-01T00:00:00+03:00,1\n"
                + "2026-01-01T00:00:00.5+03:00,2\n");
        assertThat(iso).extracting(TelemetryPoint::getTimestampMs).containsExactly(0L, 500L);
        assertThatThrownBy(() -> TelemetryCsv.parse("time,speed\n2026-01-01T00:00:01Z,1\n2026-01-01T00:00:00Z,1\n"))
                .hasMessageContaining("line 3");
    }
}
