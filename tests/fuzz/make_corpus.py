#!/usr/bin/python3
"""Regenerates the seed corpora in corpus/<target>/: small valid inputs of every variant the
readers handle. Run with /usr/bin/python3 (needs h5py, numpy, anndata, scipy, pandas)."""
import gzip, os, shutil, sys, tempfile
import numpy as np, h5py

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")
VLEN = h5py.string_dtype("utf-8")

def path(target, name):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    return os.path.join(OUT, target, name)

def write(target, name, data):
    with open(path(target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

def text_seeds():
    rows = ["AAACAAGTATCTCCCA-1,1,50,102,8513,9811", "AAACACCAATAACTGC-1,1,59,19,9605,4104",
            "AAACAGAGCGACTCCT-1,0,14,94,4205,9250.5"]
    write("fuzz_positions", "list.csv", "\n".join(rows) + "\n")
    write("fuzz_positions", "header.csv", "barcode,in_tissue,array_row,array_col,"
          "pxl_row_in_fullres,pxl_col_in_fullres\r\n" + "\r\n".join(rows) + "\r\n")
    write("fuzz_positions", "quoted.csv", 'pxl_col_in_fullres,barcode,array_col,array_row,in_tissue,'
          'pxl_row_in_fullres\n7,"X-1",2,3,1,9\n')
    write("fuzz_scalefactors", "v1.json", '{"spot_diameter_fullres": 89.42751063343188, '
          '"tissue_hires_scalef": 0.150015, "fiducial_diameter_fullres": 144.45982486939, '
          '"tissue_lowres_scalef": 0.045004502}')
    write("fuzz_scalefactors", "cytassist.json", '{"regist_target_img_scalef": 0.2, '
          '"tissue_hires_scalef": 0.1, "tissue_lowres_scalef": 0.03, "fiducial_diameter_fullres": 300,'
          ' "spot_diameter_fullres": 180.5, "bin_size_um": 8, "microns_per_pixel": 0.27}')
    mtx = ("%%MatrixMarket matrix coordinate integer general\n%metadata_json: {}\n3 4 6\n"
           "1 1 5\n3 1 1\n2 3 3\n1 4 2\n2 4 7\n3 4 4\n")
    write("fuzz_mtx", "matrix.mtx", mtx)
    write("fuzz_mtx", "matrix.mtx.gz", gzip.compress(mtx.encode(), mtime=0))
    write("fuzz_mtx", "real.mtx", "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 0.5\n2 2 1e3\n")
    write("fuzz_mtx", "pattern.mtx", "%%MatrixMarket matrix coordinate pattern general\n2 2 1\n2 1\n")
    write("fuzz_mtx", "features.tsv", "ENSG01\tTP53\tGene Expression\nENSG02\tEGFR\tGene Expression\n")

def tenx(name, strings="fixed", dtype="int32", compress=None, legacy=False):
    bc = ["AAAC-1", "AAAG-1", "AATT-1", "ACGT-1"]
    ids, names = ["ENSG01", "ENSG02", "ENSG03"], ["TP53", "EGFR", "MYC"]
    enc = (lambda v: np.array(v, dtype=VLEN)) if strings == "vlen" else (lambda v: np.array([x.encode() for x in v]))
    with h5py.File(path("fuzz_10x_h5", name), "w", libver="latest") as f:
        g = f.create_group("GRCh38" if legacy else "matrix")
        kw = dict(compression=compress) if compress else {}
        g.create_dataset("barcodes", data=enc(bc), **kw)
        g.create_dataset("data", data=np.array([5, 1, 3, 2, 7, 4], dtype=dtype), **kw)
        g.create_dataset("indices", data=np.array([0, 2, 1, 0, 1, 2], dtype="int64"), **kw)
        g.create_dataset("indptr", data=np.array([0, 2, 2, 3, 6], dtype="int64"), **kw)
        g.create_dataset("shape", data=np.array([3, 4], dtype="int32"))
        if legacy:
            g["genes"] = enc(ids); g["gene_names"] = enc(names)
            return
        f.attrs["filetype"] = np.array([b"matrix"]); f.attrs["version"] = np.int32(2)
        feat = g.create_group("features")
        for key, vals in [("id", ids), ("name", names), ("feature_type", ["Gene Expression"] * 3),
                          ("genome", ["GRCh38"] * 3)]:
            feat.create_dataset(key, data=enc(vals), **kw)

def fixed(v):
    """Variable-length strings -> fixed-length (each vlen write costs a 4 KB global heap)."""
    if isinstance(v, str):
        return np.bytes_(v.encode())
    if isinstance(v, np.ndarray) and v.dtype == object:
        return np.array([x.encode() if isinstance(x, str) else x for x in v])
    return v

def repack(src_path, dst_path, vlen):
    """Re-writes an anndata file with the newest HDF5 format, and fixed-length strings unless
    `vlen`: the same objects in a fraction of the bytes (the readers take both string kinds)."""
    with h5py.File(src_path, "r") as src, h5py.File(dst_path, "w", libver="latest") as dst:
        def attrs(s, d):
            for k, v in s.attrs.items(): d.attrs[k] = v if vlen else fixed(v)
        def copy(s, d):
            for k, o in s.items():
                if isinstance(o, h5py.Group):
                    copy(o, d.create_group(k))
                else:
                    data = o[()]
                    d.create_dataset(k, data=data if vlen or o.dtype != object else fixed(data))
                attrs(o, d[k])
        attrs(src, dst)
        copy(src, dst)

def h5ad_seeds():
    import anndata as ad, pandas as pd, scipy.sparse as sp
    X = np.array([[0, 1, 0, 2], [3, 0, 0, 0], [0, 0, 0, 0]], dtype=np.float32)
    obs = pd.DataFrame({"in_tissue": [1, 0, 1], "array_row": [0, 1, 2], "array_col": [1, 3, 5],
                        "pxl_row_in_fullres": [10., 20, 30], "pxl_col_in_fullres": [11., 21, 31],
                        "cluster": pd.Categorical(["a", None, "b"]), "label": ["x", "y", "z"]},
                       index=["A-1", "B-1", "C-1"])
    var = pd.DataFrame({"gene_ids": ["E1", "E2", "E3", "E4"]}, index=["G1", "G2", "G3", "G4"])
    tmp = tempfile.mkdtemp()
    for name, x in [("csr.h5ad", sp.csr_matrix(X)), ("csc.h5ad", sp.csc_matrix(X)), ("dense.h5ad", X)]:
        a = ad.AnnData(X=x, obs=obs, var=var)
        a.obsm["spatial"] = np.array([[11., 10], [21, 20], [31, 30]])
        a.uns["spatial"] = {"s1": {"scalefactors": {"spot_diameter_fullres": 89.0}}}
        a.write_h5ad(os.path.join(tmp, name))
        repack(os.path.join(tmp, name), path("fuzz_h5ad", name), vlen=(name == "csr.h5ad"))
    shutil.rmtree(tmp)
    # anndata < 0.7: compound obs/var tables, categories in uns/<col>_categories, dense X.
    with h5py.File(path("fuzz_h5ad", "compound.h5ad"), "w", libver="latest") as f:
        f["X"] = X
        f["obs"] = np.array([(b"A-1", 0.5, 0), (b"B-1", 1.5, 1), (b"C-1", 2.5, 0)],
                            dtype=[("index", "S4"), ("score", "f8"), ("cluster", "i1")])
        f["var"] = np.array([(g.encode(),) for g in ["G1", "G2", "G3", "G4"]], dtype=[("index", "S3")])
        f["uns/cluster_categories"] = np.array([b"a", b"b"])
        f["obsm/spatial"] = np.array([[11., 10], [21, 20], [31, 30]])

if __name__ == "__main__":
    text_seeds()
    tenx("fixed_int32.h5")
    tenx("vlen_float64_gzip.h5", strings="vlen", dtype="float64", compress="gzip")
    tenx("cellranger2.h5", legacy=True)
    h5ad_seeds()
    for t in sorted(os.listdir(OUT)):
        for n in sorted(os.listdir(os.path.join(OUT, t))):
            print(t, n, os.path.getsize(os.path.join(OUT, t, n)))
