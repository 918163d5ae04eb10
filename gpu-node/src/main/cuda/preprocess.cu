// Model preprocessing: letterbox resize (bilinear, OpenCV INTER_LINEAR pixel-centre convention, rounded to
// 8 bits like an 8-bit resize), channel order, normalisation and HWC->CHW in one pass.
// One launch per image writes that image's slice of a batched float tensor [N,3,H,W].
// The Java twin is io.framegrid.gpunode.kernels.CpuFrameKernels#preprocess; keep both in step.
extern "C" __global__ void letterbox_chw(
    const unsigned char* src, int srcW, int srcH, int srcStride,
    float* dst, int dstW, int dstH,
    int newW, int newH, int offX, int offY, float pad,
    int swapRB, float scale,
    float mean0, float mean1, float mean2,
    float invStd0, float invStd1, float invStd2)
{
    int x = blockIdx.x * blockDim.x + threadIdx.x;
    int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x >= dstW || y >= dstH) return;
    float v[3];
    int rx = x - offX, ry = y - offY;
    if (rx < 0 || ry < 0 || rx >= newW || ry >= newH) {
        v[0] = pad; v[1] = pad; v[2] = pad;
    } else {
        float sx = (rx + 0.5f) * ((float) srcW / (float) newW) - 0.5f;
        float sy = (ry + 0.5f) * ((float) srcH / (float) newH) - 0.5f;
        int x0 = (int) floorf(sx), y0 = (int) floorf(sy);
        float fx = sx - x0, fy = sy - y0;
        if (x0 < 0) { x0 = 0; fx = 0.f; }
        if (y0 < 0) { y0 = 0; fy = 0.f; }
        if (x0 >= srcW - 1) { x0 = srcW - 1; fx = 0.f; }
        if (y0 >= srcH - 1) { y0 = srcH - 1; fy = 0.f; }
        int x1 = x0 + (x0 < srcW - 1 ? 1 : 0);
        int y1 = y0 + (y0 < srcH - 1 ? 1 : 0);
        const unsigned char* r0 = src + (size_t) y0 * srcStride;
        const unsigned char* r1 = src + (size_t) y1 * srcStride;
        for (int c = 0; c < 3; c++) {
            float top = r0[x0 * 3 + c] * (1.f - fx) + r0[x1 * 3 + c] * fx;
            float bot = r1[x0 * 3 + c] * (1.f - fx) + r1[x1 * 3 + c] * fx;
            v[c] = rintf(top * (1.f - fy) + bot * fy);
        }
    }
    size_t plane = (size_t) dstW * dstH;
    size_t at = (size_t) y * dstW + x;
    float c0 = swapRB ? v[2] : v[0];
    float c2 = swapRB ? v[0] : v[2];
    dst[at] = (c0 * scale - mean0) * invStd0;
    dst[plane + at] = (v[1] * scale - mean1) * invStd1;
    dst[2 * plane + at] = (c2 * scale - mean2) * invStd2;
}
