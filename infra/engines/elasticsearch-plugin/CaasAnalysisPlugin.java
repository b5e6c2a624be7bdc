package local.caas.engines;

import java.util.Locale;
import java.util.Map;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.en.EnglishMinimalStemFilter;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.KStemFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenFilter;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.index.IndexSettings;
import org.elasticsearch.index.analysis.Analysis;
import org.elasticsearch.index.analysis.AnalyzerProvider;
import org.elasticsearch.index.analysis.AnalyzerScope;
import org.elasticsearch.index.analysis.NormalizingTokenFilterFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

/**
 * Stands in for the analysis-common module, which the integ-test-zip distribution leaves out, for
 * the English analysis the project needs. Each component is registered under the name Elasticsearch
 * gives it and built from the same Lucene classes with the same settings and defaults, so index
 * settings written for a full distribution work unchanged here.
 *
 * Implements the factory interfaces directly (not the abstract base classes) because the base
 * class constructors differ between 8.x and 9.x; the interfaces are the same in both.
 */
public class CaasAnalysisPlugin extends Plugin implements AnalysisPlugin {

  @Override
  public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
    return Map.of(
        "asciifolding", CaasAnalysisPlugin::asciiFolding,
        "porter_stem", (index, env, name, settings) -> filter(name, PorterStemFilter::new),
        "kstem", (index, env, name, settings) -> filter(name, KStemFilter::new),
        "stemmer", CaasAnalysisPlugin::stemmer,
        "edge_ngram", CaasAnalysisPlugin::edgeNGram);
  }

  @Override
  public Map<String, AnalysisProvider<AnalyzerProvider<? extends org.apache.lucene.analysis.Analyzer>>> getAnalyzers() {
    return Map.of("english", CaasAnalysisPlugin::english);
  }

  private interface FilterFunction {
    TokenStream apply(TokenStream input);
  }

  private static TokenFilterFactory filter(String name, FilterFunction function) {
    return new TokenFilterFactory() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public TokenStream create(TokenStream input) {
        return function.apply(input);
      }
    };
  }

  /** Like Elasticsearch's: also folds query terms of prefix, wildcard and fuzzy queries. */
  private static TokenFilterFactory asciiFolding(IndexSettings index, Environment env, String name, Settings settings) {
    boolean preserveOriginal = settings.getAsBoolean("preserve_original", false);
    return new NormalizingTokenFilterFactory() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public TokenStream create(TokenStream input) {
        return new ASCIIFoldingFilter(input, preserveOriginal);
      }

      @Override
      public TokenStream normalize(TokenStream input) {
        return new ASCIIFoldingFilter(input, false);
      }
    };
  }

  /** The English subset of the `stemmer` filter; other languages are refused, not silently ignored. */
  private static TokenFilterFactory stemmer(IndexSettings index, Environment env, String name, Settings settings) {
    String language = settings.get("language", settings.get("name", "porter")).toLowerCase(Locale.ROOT);
    switch (language) {
      case "english", "porter":
        return filter(name, PorterStemFilter::new);
      case "light_english", "kstem":
        return filter(name, KStemFilter::new);
      case "minimal_english":
        return filter(name, EnglishMinimalStemFilter::new);
      case "possessive_english":
        return filter(name, EnglishPossessiveFilter::new);
      default:
        throw new IllegalArgumentException("[caas-analysis] stemmer language [" + language
            + "] needs the analysis-common module, which this Elasticsearch distribution lacks");
    }
  }

  private static TokenFilterFactory edgeNGram(IndexSettings index, Environment env, String name, Settings settings) {
    int minGram = settings.getAsInt("min_gram", 1);
    int maxGram = settings.getAsInt("max_gram", 2);
    boolean preserveOriginal = settings.getAsBoolean("preserve_original", false);
    return filter(name, input -> new EdgeNGramTokenFilter(input, minGram, maxGram, preserveOriginal));
  }

  private static AnalyzerProvider<EnglishAnalyzer> english(IndexSettings index, Environment env, String name, Settings settings) {
    EnglishAnalyzer analyzer = new EnglishAnalyzer(
        Analysis.parseStopWords(env, settings, EnglishAnalyzer.getDefaultStopSet()),
        Analysis.parseStemExclusion(settings, CharArraySet.EMPTY_SET));
    return new AnalyzerProvider<>() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public AnalyzerScope scope() {
        return AnalyzerScope.INDEX;
      }

      @Override
      public EnglishAnalyzer get() {
        return analyzer;
      }
    };
  }
}
