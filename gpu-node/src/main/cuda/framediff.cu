// Frame difference / motion energy on luma (OpenCV's fixed-point BGR2GRAY weights):
// sums |Ya - Yb| and counts pixels whose difference exceeds the threshold.
extern "C" __global__ void frame_diff(
    const unsigned char* a, const unsigned char* b, int w, int h, int stride, int threshold,
    unsigned long long* sum, unsigned int* count)
{
    __shared__ unsigned long long bsum[256];
    __shared__ unsigned int bcount[256];
    unsigned long long s = 0; unsigned int c = 0;
    int n = w * h;
    for (int p = blockIdx.x * blockDim.x + threadIdx.x; p < n; p += blockDim.x * gridDim.x) {
        int y = p / w, x = p - y * w;
        const unsigned char* pa = a + (size_t) y * stride + x * 3;
        const unsigned char* pb = b + (size_t) y * stride + x * 3;
        int ya = (pa[2] * 4899 + pa[1] * 9617 + pa[0] * 1868 + 8192) >> 14;
        int yb = (pb[2] * 4899 + pb[1] * 9617 + pb[0] * 1868 + 8192) >> 14;
        int d = ya > yb ? ya - yb : yb - ya;
        s += d;
        if (d > threshold) c++;
    }
    bsum[threadIdx.x] = s; bcount[threadIdx.x] = c;
    __syncthreads();
    for (int k = blockDim.x / 2; k > 0; k >>= 1) {
        if (threadIdx.x < k) {
            bsum[threadIdx.x] += bsum[threadIdx.x + k];
            bcount[threadIdx.x] += bcount[threadIdx.x + k];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) { atomicAdd(sum, bsum[0]); atomicAdd(count, bcount[0]); }
}
