// Masked fill for small regions (text removal): onion-peel fill from the region's border inwards, then
// Jacobi smoothing inside the mask. Images are float BGR interleaved; known[i] != 0 for pixels with a value.
// The host repeats inpaint_peel (double-buffered) until no pixel changes, then runs inpaint_smooth N times.
extern "C" __global__ void inpaint_peel(
    const float* img, float* out, const unsigned char* known, unsigned char* knownOut,
    int w, int h, int* changed)
{
    int x = blockIdx.x * blockDim.x + threadIdx.x;
    int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x >= w || y >= h) return;
    int i = y * w + x;
    out[i * 3] = img[i * 3]; out[i * 3 + 1] = img[i * 3 + 1]; out[i * 3 + 2] = img[i * 3 + 2];
    knownOut[i] = known[i];
    if (known[i]) return;
    float s0 = 0.f, s1 = 0.f, s2 = 0.f; int n = 0;
    for (int dy = -1; dy <= 1; dy++) {
        for (int dx = -1; dx <= 1; dx++) {
            int xx = x + dx, yy = y + dy;
            if ((dx | dy) == 0 || xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
            int j = yy * w + xx;
            if (!known[j]) continue;
            s0 += img[j * 3]; s1 += img[j * 3 + 1]; s2 += img[j * 3 + 2]; n++;
        }
    }
    if (n > 0) {
        out[i * 3] = s0 / n; out[i * 3 + 1] = s1 / n; out[i * 3 + 2] = s2 / n;
        knownOut[i] = 1;
        atomicAdd(changed, 1);
    }
}

extern "C" __global__ void inpaint_smooth(
    const float* img, float* out, const unsigned char* mask, int w, int h)
{
    int x = blockIdx.x * blockDim.x + threadIdx.x;
    int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x >= w || y >= h) return;
    int i = y * w + x;
    if (!mask[i]) {
        out[i * 3] = img[i * 3]; out[i * 3 + 1] = img[i * 3 + 1]; out[i * 3 + 2] = img[i * 3 + 2];
        return;
    }
    int l = y * w + max(x - 1, 0), r = y * w + min(x + 1, w - 1);
    int u = max(y - 1, 0) * w + x, d = min(y + 1, h - 1) * w + x;
    for (int c = 0; c < 3; c++) {
        out[i * 3 + c] = 0.25f * (img[l * 3 + c] + img[r * 3 + c] + img[u * 3 + c] + img[d * 3 + c]);
    }
}
