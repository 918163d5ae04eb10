package io.framegrid.gpunode.engine.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

class TextEraserTest {

    private record Clip(List<Mat> clean, List<Mat> texted, List<List<TextBox>> masks, List<Mat> maskMats) {
    }

    private static Clip withText(List<Mat> clean, String text, int x, int baseline, double scale) {
        List<Mat> texted = new ArrayList<>();
        List<List<TextBox>> masks = new ArrayList<>();
        List<Mat> maskMats = new ArrayList<>();
        int w = clean.get(0).cols();
        int h = clean.get(0).rows();
        for (Mat f : clean) {
            TextFixtures.Burned b = TextFixtures.burn(f, text, x, baseline, scale);
            texted.add(b.frame());
            List<TextBox> m = TextMasks.defaults().dilate(List.of(b.box()), w, h);
            masks.add(m);
            maskMats.add(TextFixtures.mask(m, w, h));
        }
        return new Clip(clean, texted, masks, maskMats);
    }

    private static List<Mat> telea(Clip c) {
        List<Mat> out = new ArrayList<>();
        for (int i = 0; i < c.texted().size(); i++) {
            out.add(TextFixtures.telea(c.texted().get(i), c.maskMats().get(i)));
        }
        return out;
    }

    @Test
    void panningCameraIsFilledFromNeighbouringFramesAndBeatsTeleaByTwoDb() {
        // A real pan (a window sliding 9 px a frame over vtest) under screen-fixed text: the background under the
        // text is on screen a few frames earlier or later.
        Clip clip = withText(TextFixtures.pan(32, 480, 270, 9, 150), "GHOSTCUT 2026", 140, 240, 1.0);
        TextEraser.Erased erased = new TextEraser(TextEraser.Settings.defaults(), null)
                .erase(clip.texted(), clip.masks(), new int[32], 0, 31);

        double ours = TextFixtures.psnr(erased.frames(), clip.clean(), clip.maskMats());
        double telea = TextFixtures.psnr(telea(clip), clip.clean(), clip.maskMats());
        System.out.printf("pan: eraser %.2f dB, Telea %.2f dB, temporal %.1f %%%n", ours, telea,
                100.0 * erased.temporalPixels() / erased.maskedPixels());
        assertThat(erased.temporalPixels()).isGreaterThan(erased.maskedPixels() * 9 / 10);
        assertThat(ours).isGreaterThanOrEqualTo(telea + 2);
    }

    @Test
    void textThatNeverMovesOnAStillCameraFallsBackToTelea() {
        Clip clip = withText(TextFixtures.still(300, 8, 480, 360), "STATIC LOGO", 150, 330, 0.9);
        TextEraser.Erased erased = new TextEraser(TextEraser.Settings.defaults(), null)
                .erase(clip.texted(), clip.masks(), new int[8], 0, 7);

        assertThat(erased.temporalPixels()).isZero();
        double ours = TextFixtures.psnr(erased.frames(), clip.clean(), clip.maskMats());
        double telea = TextFixtures.psnr(telea(clip), clip.clean(), clip.maskMats());
        assertThat(ours).isCloseTo(telea, org.assertj.core.data.Offset.offset(0.1));
    }

    @Test
    void noBackgroundIsTakenAcrossAShotCut() {
        // Frames 0-3 and 4-7 are different shots; text shows on 4-7 only. Without the cut, frames 0-3 would lend
        // (wrong) background to 4-7.
        List<Mat> clean = new ArrayList<>(TextFixtures.still(0, 4, 480, 360));
        clean.addAll(TextFixtures.still(600, 4, 480, 360));
        List<Mat> texted = new ArrayList<>();
        List<List<TextBox>> masks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            if (i < 4) {
                texted.add(clean.get(i));
                masks.add(List.of());
            } else {
                TextFixtures.Burned b = TextFixtures.burn(clean.get(i), "CUT", 200, 330, 1.0);
                texted.add(b.frame());
                masks.add(TextMasks.defaults().dilate(List.of(b.box()), 480, 360));
            }
        }
        TextEraser eraser = new TextEraser(TextEraser.Settings.defaults(), null);
        assertThat(eraser.erase(texted, masks, new int[] {0, 0, 0, 0, 1, 1, 1, 1}, 4, 7).temporalPixels()).isZero();
        assertThat(eraser.erase(texted, masks, new int[8], 4, 7).temporalPixels()).isPositive();
    }
}
